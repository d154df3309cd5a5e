"""POST /v1/verify answers 503 on a store fault."""

from __future__ import annotations

from typing import Any

from keysmith import wiring
from keysmith.store.keys import KeyStore
from tests.support.client import Client as Api
from tests.support.hardening import FAULTS, FaultInjector
from tests.support.problems import assert_problem
from tests.support.verification import admin_key, verify


def test_verify_answers_503_on_a_store_fault(api: Api) -> None:
    created = admin_key(api)
    with FaultInjector(api.parts.store.client, "GetItem", "internal").active():
        reply = verify(api, {"key": created["key"]})
    assert_problem(reply, 503, "unavailable")
    assert reply.header("Retry-After") == "1"


def test_a_metered_verification_that_meets_a_store_fault_spends_nothing(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 3})
    assert verify(api, {"key": created["key"]}).body["remaining"] == 2  # the process now knows the key
    for fault in FAULTS:
        with FaultInjector(api.parts.store.client, "UpdateItem", fault).active() as injected:
            reply = verify(api, {"key": created["key"]})
        assert_problem(reply, 503, "unavailable")
        assert reply.header("Retry-After") == "1" and injected.injected >= 1
    assert verify(api, {"key": created["key"]}).body["remaining"] == 1


class LostAnswers:
    """A DynamoDB client whose UpdateItem requests are each sent twice, answering the second
    attempt: as botocore's retry does when the first was applied but its answer was lost."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_item(self, **request: Any) -> Any:
        self._client.update_item(**request)
        return self._client.update_item(**request)


def test_a_retried_metered_write_whose_first_answer_was_lost_is_spent_once(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 3})
    store = KeyStore(LostAnswers(api.parts.store.client), api.parts.store.table)
    with wiring.replace(store=store):
        answers = [verify(api, {"key": created["key"]}).body for _ in range(2)]
    assert [(a["code"], a["remaining"]) for a in answers] == [("VALID", 2), ("VALID", 1)]
    assert verify(api, {"key": created["key"]}).body["remaining"] == 0
