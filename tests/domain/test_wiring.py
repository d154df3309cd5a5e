"""keysmith.wiring: the one composition root. Tests swap collaborators with ``wiring.replace``; a
replaced clock reaches everything that asks the time, verification included."""

from __future__ import annotations

import json

import pytest

from keysmith import clock, wiring
from keysmith.domain.api_key import KeyRecord
from keysmith.http.function_entry import entry, verify
from keysmith.settings import Settings
from tests.support.fakes import T0, MemoryStore, new_key


def expiring_key(expires_at: float) -> tuple[str, KeyRecord]:
    return new_key(expires_at=expires_at)


def test_a_replaced_clock_reaches_the_verifier() -> None:
    plaintext, record = expiring_key(T0 + 3600)
    with wiring.replace(settings=Settings(table_name="keys"), store=MemoryStore.holding(record)):
        with wiring.replace(now=lambda: T0):
            assert wiring.verifier().verify(plaintext).code == "VALID"
        with wiring.replace(now=lambda: T0 + 3600):
            assert wiring.verifier().verify(plaintext).code == "EXPIRED"


def test_a_replaced_clock_reaches_post_verify_through_the_handler() -> None:
    plaintext, record = expiring_key(T0 + 10)
    event = {
        "rawPath": "/v1/verify",
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"key": plaintext}),
        "requestContext": {"requestId": "r-1", "http": {"sourceIp": "192.0.2.1", "userAgent": "t"}},
    }
    handler = entry(verify)
    with wiring.replace(
        settings=Settings(table_name="keys"), store=MemoryStore.holding(record), now=lambda: T0 + 11
    ):
        answer = handler(dict(event), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"valid": False, "code": "EXPIRED"}


def test_the_clock_is_looked_up_at_call_time_not_bound_once() -> None:
    with wiring.replace(settings=Settings(table_name="keys"), store=MemoryStore()):
        verifier = wiring.verifier()
        with wiring.replace(now=lambda: 42.0):
            assert verifier.now() == 42.0  # the same verifier, built before the clock was replaced
    assert wiring.now() <= clock.now()


def test_replace_puts_everything_back_and_reset_forgets() -> None:
    outer = Settings(table_name="outer")
    with wiring.replace(settings=outer, store=MemoryStore()):
        with wiring.replace(settings=Settings(table_name="inner")):
            assert wiring.settings().table_name == "inner"
        assert wiring.settings() is outer
    wiring.install(settings=outer)
    wiring.reset()
    with wiring.replace(settings=Settings(table_name="again"), store=MemoryStore()):
        assert wiring.settings().table_name == "again"


def test_replace_refuses_a_collaborator_it_does_not_hold() -> None:
    with pytest.raises(TypeError, match="clock"), wiring.replace(clock=lambda: 0.0):
        pass
