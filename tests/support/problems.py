"""What every problem answer must hold (RFC 9457, as docs/api-reference.md describes it)."""

from __future__ import annotations

from typing import Any

from tests.helpers import Reply
from tests.support.client import Answer

PROBLEM_TYPE = "urn:keysmith:problem:"


def assert_problem(reply: Reply, status: int, slug: str, pointer: str | None = None) -> dict[str, Any]:
    """``reply`` is the problem ``slug`` with ``status`` (naming ``pointer`` among its errors); its body."""
    assert reply.status == status, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.header("X-Request-Id")
    body = reply.body
    assert body["type"] == PROBLEM_TYPE + slug
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["request_id"] == reply.header("X-Request-Id")
    assert body["instance"].startswith("/") and "?" not in body["instance"]
    if isinstance(reply, Answer) and reply.path:
        assert body["instance"] == reply.path
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return dict(body)


def assert_conflict(reply: Reply, *words: str) -> None:
    """A 409 whose detail names each of ``words`` (the status, the action). (Its request id is not
    compared: a test may answer another request in-process while this one is being handled.)"""
    assert reply.status == 409, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.body["type"] == PROBLEM_TYPE + "conflict"
    assert reply.body["title"] == "Conflict"
    for word in words:
        assert word in reply.body["detail"], reply.body["detail"]
