"""The table-driven hostile-input harness of tests/rules/test_hostile_*.py: every input gets the right
4xx problem (status, slug, pointer where relevant), never a 5xx, and never changes a key (the table
is snapshotted before and after). The inputs tried are counted into the ``hostile-input`` figures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.helpers import ROOT, Api, Reply, handler_for, make_event
from tests.support.hardening import record_figures, snapshot

PROBLEM = "application/problem+json"
TOTALS = {"inputs_tried": 0, "responses_5xx": 0, "keys_changed": 0, "wrong_answers": 0}
FOLDERS = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    """Records this module's tally (each hostile-input module records its own, then starts again)."""
    yield
    record_figures("hostile-input", **TOTALS)
    TOTALS.update(dict.fromkeys(TOTALS, 0))


@dataclass
class Ctx:
    api: Api
    session: str
    admin: str
    key_id: str  # a key of the session's user
    read_key: str  # an API key (read) of the session's user
    cursor: str  # a real cursor of the session's listing
    signer_private: Any
    signer_kid: str
    extra: dict[str, Any] = field(default_factory=dict)


def raw(
    api: Api,
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    base64_body: bool = False,
) -> Reply:
    """One request exactly as given (bytes bodies are sent base64-encoded, as API Gateway does)."""
    text: str | None
    if isinstance(body, bytes) or base64_body:
        data = body if isinstance(body, bytes) else (body or "").encode("utf-8", "surrogatepass")
        text = base64.b64encode(data).decode()
    else:
        text = body
    event = make_event(method, path, headers=headers, query=query, body=text)
    if isinstance(body, bytes) or base64_body:
        event["isBase64Encoded"] = True
    result = handler_for(method, path)(event, None)
    return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Ctx], Reply]
    status: int
    slug: str
    pointer: str | None = None


def as_session(c: Ctx) -> str:
    """The session token of the context's user (u_1 of acme)."""
    return c.session


def send_as(
    credential: Callable[[Ctx], str] | None,
    method: str,
    path: str | Callable[[Ctx], str],
    body: Any = None,
    **headers: str,
) -> Callable[[Ctx], Reply]:
    """One request bearing ``credential``'s token (none when None) to ``path`` (or the path it makes
    of the context): ``body`` as given when text or bytes, else JSON-encoded, declared JSON unless
    ``headers`` say otherwise; no body, no content type."""

    def send(c: Ctx) -> Reply:
        all_headers = {} if credential is None else {"authorization": f"Bearer {credential(c)}"}
        text = None
        if body is not None:
            text = body if isinstance(body, (str, bytes)) else json.dumps(body)
            all_headers["content-type"] = "application/json"
        target = path(c) if callable(path) else path
        return raw(c.api, method, target, body=text, headers={**all_headers, **headers})

    return send


def create_with(body: Any, **headers: str) -> Callable[[Ctx], Reply]:
    return send_as(as_session, "POST", "/v1/api-keys", body, **headers)


def get_as(credential: Callable[[Ctx], str], path: str = "/v1/api-keys") -> Callable[[Ctx], Reply]:
    return send_as(credential, "GET", path)


def list_with(query: dict[str, str] | Callable[[Ctx], dict[str, str]]) -> Callable[[Ctx], Reply]:
    def send(c: Ctx) -> Reply:
        q = query(c) if callable(query) else query
        return raw(c.api, "GET", "/v1/api-keys", headers={"authorization": f"Bearer {c.session}"}, query=q)

    return send


def get_id(key_id: str) -> Callable[[Ctx], Reply]:
    return send_as(as_session, "GET", f"/v1/api-keys/{key_id}")


@pytest.fixture
def ctx(api: Api, signer: Any) -> Ctx:
    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    made = [api.request("POST", "/v1/api-keys", token=session, json_body={"name": f"k{i}"}) for i in range(3)]
    read_key = api.request("POST", "/v1/api-keys", token=session, json_body={"name": "reader"})
    foreign = api.request("POST", "/v1/api-keys", token=api.session("eve", "globex"), json_body={"name": "f"})
    assert all(r.status == 201 for r in [*made, read_key, foreign])
    page = api.request("GET", "/v1/api-keys", token=session, query={"limit": "2"})
    assert page.body["next_cursor"]
    return Ctx(
        api=api,
        session=session,
        admin=admin,
        key_id=made[0].body["id"],
        read_key=read_key.body["key"],
        cursor=page.body["next_cursor"],
        signer_private=signer.private_key(),
        signer_kid=signer.kid,
        extra={"foreign_id": foreign.body["id"]},
    )


def check(reply: Reply, case: Case) -> None:
    TOTALS["inputs_tried"] += 1
    if reply.status >= 500:
        TOTALS["responses_5xx"] += 1
    ok = reply.status == case.status
    try:
        assert reply.status == case.status, f"{case.name}: {reply.status} {reply.text[:300]}"
        assert reply.header("Content-Type") == PROBLEM, case.name
        body = reply.body
        assert body["type"] == f"urn:keysmith:problem:{case.slug}", (case.name, body)
        assert body["status"] == case.status and body["title"] and body["request_id"]
        if case.status == 401:
            assert (
                reply.header(
                    "WWW-Authenticate",
                )
                is not None
            ), case.name
        if case.pointer is not None:
            pointers = [e["pointer"] for e in body.get("errors") or []]
            assert case.pointer in pointers, (case.name, body)
    except AssertionError:
        ok = False
        raise
    finally:
        if not ok:
            TOTALS["wrong_answers"] += 1


def run_cases(ctx: Ctx, subtests: Any, cases: list[Case]) -> None:
    """Every case gets its answer, and the table (bar last-used) is the same afterwards."""
    client, table = ctx.api.parts.store.client, ctx.api.parts.store.table
    before = snapshot(client, table)
    for case in cases:
        with subtests.test(msg=case.name):
            check(case.send(ctx), case)
    after = snapshot(client, table)
    usage = ("last_used_at", "last_used_ip", "last_used_user_agent")
    strip = {k: {n: v for n, v in i.items() if n not in usage} for k, i in after.items()}
    strip_before = {k: {n: v for n, v in i.items() if n not in usage} for k, i in before.items()}
    if strip != strip_before:
        TOTALS["keys_changed"] += 1
    assert strip == strip_before, {"added": set(after) - set(before), "removed": set(before) - set(after)}
