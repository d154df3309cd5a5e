"""POST /v1/verify answers 503 on a store fault."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.hardening import FaultInjector
from tests.support.problems import assert_problem
from tests.support.verification import admin_key, verify


def test_verify_answers_503_on_a_store_fault(api: Api) -> None:
    created = admin_key(api)
    with FaultInjector(api.parts.store.client, "GetItem", "internal").active():
        reply = verify(api, {"key": created["key"]})
    assert_problem(reply, 503, "unavailable")
    assert reply.header("Retry-After") == "1"
