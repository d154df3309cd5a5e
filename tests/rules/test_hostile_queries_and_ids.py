"""Hostile query strings, list cursors (garbage, tampered, flipped, another listing's) and key ids."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.support.hostile import (
    Case,
    Ctx,
    _figures,
    ctx,
    get_id,
    list_with,
    raw,
    run_cases,
)

__all__ = ["_figures", "ctx"]


def _tampered_cursor(c: Ctx) -> dict[str, str]:
    data = json.loads(base64.urlsafe_b64decode(c.cursor + "=" * (-len(c.cursor) % 4)))
    data["owner_key"] = "acme#user#someone_else"
    raw_json = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return {"cursor": base64.urlsafe_b64encode(raw_json).decode().rstrip("=")}


def _flipped_cursor(c: Ctx) -> dict[str, str]:
    middle = len(c.cursor) // 2
    return {"cursor": c.cursor[:middle] + ("A" if c.cursor[middle] != "A" else "B") + c.cursor[middle + 1 :]}


def query_cases() -> list[Case]:
    cursor_cases = {
        "cursor garbage": {"cursor": "not-a-cursor"},
        "cursor base64 of {}": {"cursor": base64.urlsafe_b64encode(b"{}").decode()},
        "cursor base64 of a list": {"cursor": base64.urlsafe_b64encode(b"[1,2]").decode()},
        "cursor too long": {"cursor": "A" * 1025},
        "cursor with idem id": {
            "cursor": base64.urlsafe_b64encode(
                json.dumps(
                    {"id": "idem#acme#user:u_1#00", "created_sk": "x", "owner_key": "acme#user#u_1", "b": "x"}
                ).encode()
            ).decode()
        },
    }
    cases = [
        Case(name, list_with(q), 400, "malformed-request", "/cursor") for name, q in cursor_cases.items()
    ]
    cases += [
        Case("cursor tampered owner", list_with(_tampered_cursor), 400, "malformed-request", "/cursor"),
        Case("cursor flipped byte", list_with(_flipped_cursor), 400, "malformed-request", "/cursor"),
        Case(
            "cursor of another listing",
            list_with(lambda c: {"cursor": c.cursor, "status": "revoked"}),
            400,
            "malformed-request",
            "/cursor",
        ),
        Case(
            "cursor of another caller",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys",
                query={"cursor": c.cursor},
                headers={"authorization": f"Bearer {c.admin}"},
            ),
            400,
            "malformed-request",
            "/cursor",
        ),
        Case("limit 0", list_with({"limit": "0"}), 400, "malformed-request", "/limit"),
        Case("limit 101", list_with({"limit": "101"}), 400, "malformed-request", "/limit"),
        Case("limit -1", list_with({"limit": "-1"}), 400, "malformed-request", "/limit"),
        Case("limit text", list_with({"limit": "ten"}), 400, "malformed-request", "/limit"),
        Case("limit huge", list_with({"limit": "9" * 40}), 400, "malformed-request", "/limit"),
        Case("status unknown", list_with({"status": "deleted"}), 400, "malformed-request", "/status"),
        Case(
            "owner_type unknown", list_with({"owner_type": "robot"}), 400, "malformed-request", "/owner_type"
        ),
        Case("owner_id with #", list_with({"owner_id": "u#1"}), 400, "malformed-request", "/owner_id"),
        Case(
            "environment_id traversal",
            list_with({"environment_id": "../../etc"}),
            400,
            "malformed-request",
            "/environment_id",
        ),
    ]
    return cases


def id_cases() -> list[Case]:
    ids = {
        "not a uuid": "not-a-uuid",
        "uuid v4": "3c90c3cc-0d44-4b50-a888-8dd25736052a",
        "upper case": "3C90C3CC-0D44-8B50-A888-8DD25736052A",
        "sql-ish": "1' OR '1'='1",
        "encoded traversal": "..%2F..%2Fetc%2Fpasswd",
        "dot dot": "..",
        "idempotency record id": "idem#acme#user:u_1#" + "0" * 64,
        "very long": "a" * 5000,
        "NUL": "abc\u0000def",
        "unicode": "\u202e\u0041",
    }
    cases = [Case(f"get id {name}", get_id(value), 404, "not-found") for name, value in ids.items()]
    cases += [
        Case(
            "path traversal",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys/../../etc/passwd",
                headers={"authorization": f"Bearer {c.session}"},
            ),
            404,
            "not-found",
        ),
        Case(
            "double slash",
            lambda c: raw(c.api, "GET", "/v1/api-keys//", headers={"authorization": f"Bearer {c.session}"}),
            404,
            "not-found",
        ),
        Case("unknown path", lambda c: raw(c.api, "GET", "/v1/admin"), 404, "not-found"),
        Case("wrong method", lambda c: raw(c.api, "PUT", "/v1/api-keys"), 405, "method-not-allowed"),
        Case("TRACE", lambda c: raw(c.api, "TRACE", "/v1/api-keys"), 405, "method-not-allowed"),
    ]
    return cases


def test_hostile_queries_and_ids_get_the_right_problem_and_change_nothing(ctx: Ctx, subtests: Any) -> None:
    run_cases(ctx, subtests, query_cases() + id_cases())
