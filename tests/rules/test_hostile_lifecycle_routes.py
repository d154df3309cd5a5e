"""Hostile input at the state-change, update and verify routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.helpers import Reply
from tests.support.hostile import (
    FOLDERS,
    Case,
    Ctx,
    _figures,
    as_session,
    ctx,
    run_cases,
    send_as,
)

__all__ = ["_figures", "ctx"]


def action_path(key_id: Callable[[Ctx], str], action: str) -> Callable[[Ctx], str]:
    return lambda c: f"/v1/api-keys/{key_id(c)}/{action}"


def lifecycle_cases() -> list[Case]:
    """Hostile bodies on the lifecycle routes, once their functions exist."""
    cases: list[Case] = []

    def on(method: str, suffix: str, body: Any, **headers: str) -> Callable[[Ctx], Reply]:
        return send_as(as_session, method, lambda c: f"/v1/api-keys/{c.key_id}{suffix}", body, **headers)

    if "update_key" in FOLDERS:
        cases += [
            Case("patch broken JSON", on("PATCH", "", '{"name":'), 400, "malformed-request"),
            Case("patch name a number", on("PATCH", "", {"name": 5}), 422, "validation-error", "/name"),
            Case("patch RLO name", on("PATCH", "", {"name": "a\u202eb"}), 422, "validation-error", "/name"),
            Case(
                "patch unknown field",
                on("PATCH", "", {"status": "active"}),
                422,
                "validation-error",
                "/status",
            ),
            Case(
                "patch scopes beyond allowed",
                on("PATCH", "", {"scopes": ["root"]}),
                422,
                "validation-error",
                "/scopes/0",
            ),
            Case(
                "patch impossible date",
                on("PATCH", "", {"expires_at": "2030-02-31T00:00:00Z"}),
                422,
                "validation-error",
                "/expires_at",
            ),
            Case("patch 16385 bytes", on("PATCH", "", '{"name":"x"}'.ljust(16385)), 413, "payload-too-large"),
            Case(
                "patch text/plain",
                on("PATCH", "", {"name": "x"}, **{"content-type": "text/plain"}),
                415,
                "unsupported-media-type",
            ),
        ]
    if "rotate_key" in FOLDERS:
        cases += [
            Case(
                "rotate grace -1",
                on("POST", "/rotate", {"grace_period_seconds": -1}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate grace 604801",
                on("POST", "/rotate", {"grace_period_seconds": 604801}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate grace text",
                on("POST", "/rotate", {"grace_period_seconds": "60"}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate unknown field", on("POST", "/rotate", {"grace": 1}), 422, "validation-error", "/grace"
            ),
            Case("rotate broken JSON", on("POST", "/rotate", "{"), 400, "malformed-request"),
        ]
    # a key the caller may not see: another tenant's, and an idempotency record's id
    elsewhere: dict[str, Callable[[Ctx], str]] = {
        "other tenant's key": lambda c: c.extra["foreign_id"],
        "idem id": lambda c: "idem%23acme",
    }
    for action in ("suspend", "activate", "revoke", "rotate"):
        if f"{action}_key" in FOLDERS:
            for label, key_id in elsewhere.items():
                path = action_path(key_id, action)
                cases.append(Case(f"{action} {label}", send_as(as_session, "POST", path), 404, "not-found"))
    if "delete_key" in FOLDERS:
        delete = send_as(as_session, "DELETE", lambda c: f"/v1/api-keys/{c.key_id}")
        cases.append(Case("delete an active key", delete, 409, "conflict"))
    if "verify" in FOLDERS:

        def verify(body: Any, **headers: str) -> Callable[[Ctx], Reply]:
            return send_as(None, "POST", "/internal/v1/verify", body, **headers)

        cases += [
            Case("verify broken JSON", verify('{"key":'), 400, "malformed-request"),
            Case("verify array", verify("[]"), 400, "malformed-request"),
            Case("verify non-UTF-8", verify(b'{"key":"\xff"}'), 400, "malformed-request"),
            Case("verify 16385 bytes", verify('{"key":"x"}'.ljust(16385)), 413, "payload-too-large"),
            Case(
                "verify text/plain",
                verify('{"key":"x"}', **{"content-type": "text/plain"}),
                415,
                "unsupported-media-type",
            ),
            Case("verify no key", verify({}), 422, "validation-error", "/key"),
            Case(
                "verify unknown field", verify({"key": "x", "admin": True}), 422, "validation-error", "/admin"
            ),
        ]
    return cases


def test_hostile_lifecycle_and_verify_inputs_get_the_right_problem(ctx: Ctx, subtests: Any) -> None:
    run_cases(ctx, subtests, lifecycle_cases())
