"""A small Keysmith on 127.0.0.1 for the unit tests: stdlib http.server in a thread.

It answers like the real API where the client cares (problem+json with request ids, Retry-After on
503, cursors on the list, Idempotency-Key replays, 201/204, no-store) and records every request it
gets, with its arrival time, so that tests can count attempts and check headers and signatures.
Tests queue canned answers with :meth:`FakeKeysmith.queue` (taken before the built-in behaviour)
or replace the behaviour with :attr:`FakeKeysmith.handler`.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fake_audit import AuditTrail
from fake_verify import Verifier

PROBLEM_TITLES = {
    "malformed-request": "Malformed request",
    "unauthenticated": "Unauthenticated",
    "forbidden": "Forbidden",
    "not-found": "Not found",
    "conflict": "Conflict",
    "validation-error": "Validation error",
    "unavailable": "Service unavailable",
    "internal": "Internal error",
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    arrived: float  # time.monotonic()
    raw_target: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (time-out tests)
    drop: bool = False  # close the connection without any answer


def problem(
    status: int, slug: str, detail: str, *, errors: list[dict[str, str]] | None = None, **headers: str
) -> Reply:
    body: dict[str, Any] = {
        "type": f"urn:keysmith:problem:{slug}",
        "title": PROBLEM_TITLES.get(slug, slug),
        "status": status,
        "detail": detail,
        "instance": "/",
        "request_id": f"req-{uuid.uuid4().hex[:8]}",
    }
    if errors is not None:
        body["errors"] = errors
    return Reply(status, body, {"Content-Type": "application/problem+json", **headers})


def unavailable(retry_after: str = "1") -> Reply:
    return problem(
        503, "unavailable", "The key store is unavailable; retry later.", **{"Retry-After": retry_after}
    )


def key_resource(
    name: str,
    *,
    owner: tuple[str, str] = ("user", "u_1"),
    scopes: list[str] | None = None,
    status: str = "active",
) -> dict[str, Any]:
    key_id = str(uuid.uuid4())
    return {
        "id": key_id,
        "type": "api_key",
        "name": name,
        "description": None,
        "prefix": "ks_" + key_id[:5],
        "last_four": key_id[-4:],
        "scopes": scopes if scopes is not None else ["read"],
        "tenant_id": "acme",
        "owner": {"type": owner[0], "id": owner[1]},
        "environment_id": None,
        "metadata": {},
        "status": status,
        "available_actions": _actions(status),
        "created_at": "2026-11-22T10:00:00Z",
        "created_by": {"type": owner[0], "id": owner[1]},
        "updated_at": "2026-11-22T10:00:00Z",
        "expires_at": None,
        "last_used_at": None,
        "last_used_ip": None,
        "last_used_user_agent": None,
        "suspended_at": None,
        "revoked_at": None,
        "rotated_from": None,
        "rotated_to": None,
        "format": "opaque",
        "allowed_ips": [],
        "not_before": None,
        "rate_limit": None,
        "credits": None,
    }


def _actions(status: str) -> dict[str, bool]:
    return {
        "suspend": status == "active",
        "activate": status == "suspended",
        "revoke": status in ("active", "suspended"),
        "rotate": status == "active",
        "delete": status in ("suspended", "revoked", "expired"),
    }


def unused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (a port the kernel gave out and took back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class RecordedSleep:
    """Stands in for time.sleep: remembers each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


CREATE_FIELDS = (
    "description",
    "environment_id",
    "metadata",
    "format",
    "allowed_ips",
    "not_before",
    "rate_limit",
    "credits",
)
NEEDS = {"suspend": "active", "activate": "suspended", "revoke": "active or suspended", "rotate": "active"}


class FakeKeysmith:
    """A Keysmith lookalike; ``url`` is its base URL, ``requests`` what it received."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.keys: dict[str, dict[str, Any]] = {}  # id -> resource, in creation order
        self.secrets: dict[str, str] = {}  # plaintext -> id
        self.idempotency: dict[str, str] = {}  # Idempotency-Key -> id
        self.handler: Callable[[Recorded], Reply] = self.behave
        self.verifier = Verifier()
        self.audit = AuditTrail()
        self._queued: list[Reply] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._serve(self)

            do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a client that gave up (a time-out test) leaves a broken pipe behind: not worth a traceback
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order, before the built-in behaviour."""
        with self._lock:
            self._queued.extend(replies)

    def add_key(self, name: str, **options: Any) -> dict[str, Any]:
        resource = key_resource(name, **options)
        self.keys[resource["id"]] = resource
        return resource

    # -------------------------------------------------------------------- plumbing
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        recorded = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            arrived=time.monotonic(),
            raw_target=handler.path,
        )
        with self._lock:
            self.requests.append(recorded)
            reply = self._queued.pop(0) if self._queued else None
        if reply is None:
            reply = self.handler(recorded)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            handler.close_connection = True
            return
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        headers = {"X-Request-Id": f"req-{len(self.requests)}", **reply.headers}
        if reply.body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    # -------------------------------------------------------------------- Keysmith's behaviour
    def behave(self, request: Recorded) -> Reply:
        segments = [part for part in request.path.split("/") if part]
        if request.path == "/_local/sessions" and request.method == "POST":
            body = request.json()
            token = (
                "eyJhbGciOiJSUzI1NiJ9."
                + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
                + ".sig"
            )
            return Reply(
                200, {"token": token, "expires_at": "2099-01-01T00:00:00Z"}, {"Cache-Control": "no-store"}
            )
        if request.path == "/v1/verify" and request.method == "POST":
            key = (request.json() or {}).get("key", "")
            key_id = self.secrets.get(key)
            if key_id is None:
                return Reply(
                    200, {"valid": False, "code": "NOT_FOUND" if key.startswith("ks_") else "MALFORMED"}
                )
            return Reply(200, self.verifier.answer(self.keys[key_id], request.json() or {}))
        if segments[:2] not in (["v1", "api-keys"], ["v1", "audit-events"]):
            return problem(404, "not-found", f"No route matches {request.path}.")
        if "authorization" not in request.headers and "keysmith-tenant" not in request.headers:
            return problem(401, "unauthenticated", "Send Authorization: Bearer <credential>.")
        if segments == ["v1", "audit-events"] and request.method == "GET":
            status, page = self.audit.page(request.query)
            return Reply(status, page)
        if len(segments) == 2:
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return self._list(request)
            return problem(405, "method-not-allowed", f"{request.method} is not allowed here.")
        resource = self.keys.get(segments[2])
        if resource is None:
            return problem(404, "not-found", f"No key {segments[2]}.")
        if len(segments) == 3:
            if request.method == "GET":
                return Reply(200, resource)
            if request.method == "PATCH":
                changes = {
                    name: {"from": resource.get(name), "to": value}
                    for name, value in (request.json() or {}).items()
                    if resource.get(name) != value
                }
                resource.update(request.json() or {})
                self.audit.record("update", resource["id"], changes)
                return Reply(200, resource)
            if request.method == "DELETE":
                if not resource["available_actions"]["delete"]:
                    return problem(
                        409, "conflict", f"The key is {resource['status']}; suspend or revoke it first."
                    )
                del self.keys[resource["id"]]
                self.audit.record("delete", resource["id"])
                return Reply(204)
        action = segments[3]
        if action not in NEEDS or request.method != "POST":
            return problem(404, "not-found", f"No route matches {request.path}.")
        if not resource["available_actions"][action]:
            return problem(
                409,
                "conflict",
                f"The key is {resource['status']}; {action} is available only for {NEEDS[action]} keys.",
            )
        if action == "rotate":
            successor, secret = self._new_key(resource["name"], resource["scopes"])
            successor["rotated_from"] = resource["id"]
            resource["rotated_to"] = successor["id"]
            self.audit.record("rotate", resource["id"])
            self.audit.record("create", successor["id"])
            grace = (request.json() or {}).get("grace_period_seconds", 0)
            if not grace:
                self._set_status(resource, "revoked")
            else:
                resource["available_actions"]["rotate"] = False
            return Reply(201, {**successor, "key": secret}, {"Cache-Control": "no-store"})
        status = {"suspend": "suspended", "activate": "active", "revoke": "revoked"}[action]
        self.audit.record(action, resource["id"], {"status": {"from": resource["status"], "to": status}})
        self._set_status(resource, status)
        return Reply(200, resource)

    def _set_status(self, resource: dict[str, Any], status: str) -> None:
        resource["status"] = status
        resource["available_actions"] = _actions(status)

    def _new_key(self, name: str, scopes: list[str]) -> tuple[dict[str, Any], str]:
        resource = self.add_key(name, scopes=scopes)
        secret = "ks_" + uuid.uuid4().hex + uuid.uuid4().hex[:17]
        self.secrets[secret] = resource["id"]
        return resource, secret

    def _create(self, request: Recorded) -> Reply:
        body = request.json() or {}
        if not str(body.get("name", "")).strip():
            return problem(
                422,
                "validation-error",
                "The request body breaks a field rule.",
                errors=[{"pointer": "/name", "detail": "must be 1-100 characters after trimming"}],
            )
        replay_of = self.idempotency.get(request.headers.get("idempotency-key", ""))
        if replay_of is not None:
            return Reply(
                200, self.keys[replay_of], {"Idempotent-Replayed": "true", "Cache-Control": "no-store"}
            )
        resource, secret = self._new_key(body["name"], body.get("scopes") or ["read"])
        for name in CREATE_FIELDS:
            if name in body:
                resource[name] = body[name]
        if "service_account_id" in body:
            resource["owner"] = {"type": "service_account", "id": body["service_account_id"]}
        if "idempotency-key" in request.headers:
            self.idempotency[request.headers["idempotency-key"]] = resource["id"]
        self.audit.record("create", resource["id"], {"name": {"from": None, "to": resource["name"]}})
        return Reply(201, {**resource, "key": secret}, {"Cache-Control": "no-store"})

    def _list(self, request: Recorded) -> Reply:
        limit = int(request.query.get("limit", ["20"])[0])
        offset = int(request.query.get("cursor", ["0"])[0] or 0)
        items = list(reversed(self.keys.values()))  # newest first
        status = request.query.get("status", [None])[0]
        if status:
            items = [item for item in items if item["status"] == status]
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return Reply(200, {"items": page, "next_cursor": str(offset + limit) if more else None})
