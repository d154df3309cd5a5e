"""Hostile headers: content types, huge and duplicated headers, malformed Authorization."""

from __future__ import annotations

from typing import Any

from tests.support.hostile import (
    Case,
    Ctx,
    _figures,
    ctx,
    raw,
    run_cases,
)

__all__ = ["_figures", "ctx"]


def header_cases() -> list[Case]:
    return [
        Case("no authorization", lambda c: raw(c.api, "GET", "/v1/api-keys"), 401, "unauthenticated"),
        Case(
            "basic auth",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Basic dXNlcjpwYXNz"}),
            401,
            "unauthenticated",
        ),
        Case(
            "bearer without credential",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer "}),
            401,
            "unauthenticated",
        ),
        Case(
            "authorization 64 KiB",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer " + "k" * 65536}),
            401,
            "unauthenticated",
        ),
        Case(
            "authorization repeated (joined)",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys",
                headers={"authorization": f"Bearer {c.read_key},Bearer {c.session}"},
            ),
            401,
            "unauthenticated",
        ),
        Case(
            "two credentials",
            lambda c: raw(
                c.api, "GET", "/v1/api-keys", headers={"authorization": f"Bearer {c.read_key} {c.session}"}
            ),
            401,
            "unauthenticated",
        ),
        Case(
            "huge unrelated header, no credential",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"x-junk": "j" * 100_000}),
            401,
            "unauthenticated",
        ),
        Case(
            "control characters in authorization",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer \u0000\u0007"}),
            401,
            "unauthenticated",
        ),
    ]


def test_hostile_headers_get_the_right_problem_and_change_nothing(ctx: Ctx, subtests: Any) -> None:
    run_cases(ctx, subtests, header_cases())
