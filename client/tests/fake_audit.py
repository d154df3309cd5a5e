"""The in-test Keysmith's audit trail: the events of its changes and ``GET /v1/audit-events``.

Newest first, filtered by ``key_id`` and ``action``, ``limit`` 1-100 (default 20); the cursor is
opaque and bound to the filters it was issued for (another listing's is 400 at ``/cursor``), as
the API's is. A bad ``limit`` or an unknown ``action`` is 400 with the parameter's pointer.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

ACTIONS = ("create", "update", "suspend", "activate", "revoke", "rotate", "delete", "expire")


class AuditTrail:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []  # oldest first

    def record(
        self, action: str, key_id: str, changes: dict[str, Any] | None = None, actor: str = "u_1"
    ) -> dict[str, Any]:
        event = {
            "id": str(uuid.uuid4()),
            "occurred_at": f"2026-11-30T10:{len(self.events) // 60:02d}:{len(self.events) % 60:02d}Z",
            "action": action,
            "key_id": key_id,
            "tenant_id": "acme",
            "actor": {"type": "user", "id": actor},
            "source_ip": "127.0.0.1",
            "user_agent": "keysmith-client",
            "request_id": f"req-audit-{len(self.events)}",
            "changes": changes or {},
        }
        self.events.append(event)
        return event

    def page(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The status and body of ``GET /v1/audit-events`` with this query."""
        given = {name: values[0] for name, values in query.items()}
        filters = {name: given.get(name) for name in ("key_id", "action")}
        limit = given.get("limit", "20")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return 400, _bad("limit", "must be a whole number from 1 to 100")
        if filters["action"] is not None and filters["action"] not in ACTIONS:
            return 400, _bad("action", f"must be one of {', '.join(ACTIONS)}")
        offset = 0
        if "cursor" in given:
            try:
                bound = json.loads(
                    base64.urlsafe_b64decode(given["cursor"] + "=" * (-len(given["cursor"]) % 4))
                )
            except ValueError:
                bound = None
            if not isinstance(bound, dict) or bound.get("filters") != filters:
                return 400, _bad("cursor", "is not a cursor of this listing")
            offset = int(bound["offset"])
        matching = [
            event
            for event in reversed(self.events)
            if all(value is None or event[name] == value for name, value in filters.items())
        ]
        end = offset + int(limit)
        cursor = None
        if end < len(matching):
            bound_to = json.dumps({"offset": end, "filters": filters}).encode()
            cursor = base64.urlsafe_b64encode(bound_to).decode().rstrip("=")
        return 200, {"items": matching[offset:end], "next_cursor": cursor}


def _bad(parameter: str, detail: str) -> dict[str, Any]:
    return {
        "type": "urn:keysmith:problem:malformed-request",
        "title": "Malformed request",
        "status": 400,
        "detail": "The query string is malformed.",
        "instance": "/v1/audit-events",
        "request_id": "req-audit-bad",
        "errors": [{"pointer": f"/{parameter}", "detail": detail}],
    }
