"""The verification core (no sockets): every code and the order of the checks, the in-process
cache, and last-used written at most once per key per window without ever failing a verification."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from keysmith.domain.api_key import REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.ports import StoreUnavailable
from keysmith.domain.verdicts import (
    CODE_EXPIRED,
    CODE_REVOKED,
    CODE_SUSPENDED,
    INSUFFICIENT_SCOPE,
    MALFORMED,
    NOT_FOUND,
    VALID,
    WRONG_ENVIRONMENT,
)
from keysmith.domain.verifier import MAX_CACHE_ENTRIES, Verifier
from keysmith.store.client import client_config
from keysmith.store.items import to_item
from keysmith.store.keys import KeyStore
from tests.support.fakes import T0, new_key
from tests.support.fakes import MemoryStore as FakeStore


class Clock:
    def __init__(self, at: float = T0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def verifier(store: FakeStore, clock: Clock | None = None, **options: Any) -> Verifier:
    return Verifier(store, "ks", now=clock or Clock(), **options)


def stored(store: FakeStore, **changes: Any) -> tuple[str, KeyRecord]:
    plaintext, record = new_key(**changes)
    store.records[record.id] = record
    return plaintext, record


# --- the codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        None,
        42,
        b"ks_abc",
        "",
        "ks_",
        "Bearer ks_x",
        "not a key at all",
        "ks_" + "0" * 49,  # right length, wrong checksum
        "ks_" + "z" * 49,  # body beyond 2**256
    ],
)
def test_malformed_candidates_never_reach_the_store(candidate: object) -> None:
    store = FakeStore()
    assert verifier(store).verify(candidate).code == MALFORMED
    assert store.reads == 0


def test_a_typo_and_another_deploys_prefix_are_malformed_without_a_read() -> None:
    store = FakeStore()
    plaintext, _ = stored(store)
    typo = plaintext[:10] + ("A" if plaintext[10] != "A" else "B") + plaintext[11:]
    other_prefix, _ = new_key(prefix="acme")
    v = verifier(store)
    assert v.verify(typo).code == MALFORMED
    assert v.verify(other_prefix).code == MALFORMED
    assert v.verify(plaintext + "x").code == MALFORMED
    assert store.reads == 0


def test_a_well_formed_unknown_key_is_not_found_after_one_read() -> None:
    store = FakeStore()
    plaintext, _ = new_key()
    result = verifier(store).verify(plaintext)
    assert (result.code, result.valid, result.record) == (NOT_FOUND, False, None)
    assert store.reads == 1


def test_an_item_under_the_same_id_with_another_digest_is_not_found() -> None:
    store = FakeStore()
    plaintext, record = new_key()
    store.records[record.id] = record.with_changes(key_hash="0" * 64)
    assert verifier(store).verify(plaintext).code == NOT_FOUND


def test_a_live_key_is_valid_with_its_record() -> None:
    store = FakeStore()
    plaintext, record = stored(store)
    result = verifier(store).verify(plaintext, ["read"], "env_prod")
    assert result.valid and result.code == VALID
    assert result.record == record


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": SUSPENDED, "suspended_at": T0 - 60}, CODE_SUSPENDED),
        ({"status": REVOKED, "revoked_at": T0 - 60}, CODE_REVOKED),
        ({"expires_at": T0 - 1}, CODE_EXPIRED),
        ({"expires_at": T0}, CODE_EXPIRED),  # expires_at is the first instant it is no longer valid
        ({"status": REVOKED, "revoked_at": T0 - 60, "expires_at": T0 - 1}, CODE_REVOKED),
        ({"status": SUSPENDED, "expires_at": T0 - 1}, CODE_EXPIRED),
    ],
)
def test_status_codes_come_from_the_record_and_the_clock(changes: dict[str, Any], code: str) -> None:
    store = FakeStore()
    plaintext, _ = stored(store, **changes)
    result = verifier(store).verify(plaintext)
    assert result.code == code and not result.valid
    assert result.record is not None


def test_a_key_one_second_before_its_expiry_is_valid() -> None:
    store = FakeStore()
    plaintext, _ = stored(store, expires_at=T0 + 1)
    assert verifier(store).verify(plaintext).code == VALID


@pytest.mark.parametrize(
    ("key_env", "asked", "code"),
    [
        (None, None, VALID),
        (None, "env_prod", VALID),  # a tenant-wide key is valid in every environment
        ("env_prod", "env_prod", VALID),
        ("env_prod", None, VALID),  # the caller did not ask about environments
        ("env_prod", "env_dev", WRONG_ENVIRONMENT),
    ],
)
def test_environment(key_env: str | None, asked: str | None, code: str) -> None:
    store = FakeStore()
    plaintext, _ = stored(store, environment_id=key_env)
    assert verifier(store).verify(plaintext, (), asked).code == code


@pytest.mark.parametrize(
    ("held", "required", "code"),
    [
        (("read",), (), VALID),
        (("read",), ("read",), VALID),
        (("read", "write"), ("write", "read"), VALID),
        (("read",), ("read", "read"), VALID),
        (("read",), ("write",), INSUFFICIENT_SCOPE),
        (("read",), ("read", "write"), INSUFFICIENT_SCOPE),
        ((), ("read",), INSUFFICIENT_SCOPE),
    ],
)
def test_scopes(held: tuple[str, ...], required: tuple[str, ...], code: str) -> None:
    store = FakeStore()
    plaintext, _ = stored(store, scopes=held)
    assert verifier(store).verify(plaintext, required).code == code


def test_the_first_failing_check_wins_status_then_environment_then_scope() -> None:
    store = FakeStore()
    v = verifier(store)
    suspended, _ = stored(store, status=SUSPENDED, environment_id="env_dev", scopes=())
    assert v.verify(suspended, ["write"], "env_prod").code == CODE_SUSPENDED
    wrong_env, _ = stored(store, environment_id="env_dev", scopes=())
    assert v.verify(wrong_env, ["write"], "env_prod").code == WRONG_ENVIRONMENT


def test_a_store_fault_is_raised_not_answered() -> None:
    store = FakeStore(fail_reads=StoreUnavailable("ThrottlingException"))
    plaintext, _ = new_key()
    with pytest.raises(StoreUnavailable):
        verifier(store).verify(plaintext)


# --- the in-process cache -----------------------------------------------------------------------


def test_without_a_cache_every_verification_reads() -> None:
    store = FakeStore()
    plaintext, _ = stored(store)
    v = verifier(store)
    for _ in range(3):
        assert v.verify(plaintext).valid
    assert store.reads == 3


@dataclass
class Warm:
    """A warm container: a key stored and verified once by a verifier with a cache."""

    store: FakeStore
    clock: Clock
    verifier: Verifier
    plaintext: str
    record: KeyRecord


def warm(cache_ttl_seconds: float, **changes: Any) -> Warm:
    store, clock = FakeStore(), Clock()
    plaintext, record = stored(store, **changes)
    v = verifier(store, clock, cache_ttl_seconds=cache_ttl_seconds)
    assert v.verify(plaintext).valid
    return Warm(store, clock, v, plaintext, record)


def test_the_cache_serves_a_key_for_its_ttl_then_reads_again() -> None:
    w = warm(30)
    w.clock.at += 29.9
    assert w.verifier.verify(w.plaintext).valid
    assert w.store.reads == 1
    w.clock.at += 0.1
    assert w.verifier.verify(w.plaintext).valid
    assert w.store.reads == 2


def test_a_revocation_takes_hold_after_at_most_the_ttl_in_a_warm_container() -> None:
    w = warm(10)
    w.store.records[w.record.id] = w.record.with_changes(status=REVOKED, revoked_at=w.clock.at)
    w.clock.at += 9
    assert w.verifier.verify(w.plaintext).code == VALID  # the documented cost of the cache
    w.clock.at += 1
    assert w.verifier.verify(w.plaintext).code == CODE_REVOKED


def test_expiry_is_checked_against_the_clock_even_for_a_cached_record() -> None:
    w = warm(60, expires_at=T0 + 5)
    w.clock.at += 5
    assert w.verifier.verify(w.plaintext).code == CODE_EXPIRED
    assert w.store.reads == 1


def test_unknown_keys_are_never_cached() -> None:
    store = FakeStore()
    plaintext, record = new_key()
    v = verifier(store, cache_ttl_seconds=60)
    assert v.verify(plaintext).code == NOT_FOUND
    store.records[record.id] = record  # created a moment later
    assert v.verify(plaintext).valid
    assert store.reads == 2


def test_the_cache_checks_the_full_digest_of_what_it_serves() -> None:
    w = warm(60)
    w.verifier._cache[w.record.id] = (T0 + 60, w.record.with_changes(key_hash="0" * 64))
    assert w.verifier.verify(w.plaintext).code == NOT_FOUND


def test_the_cache_stays_bounded() -> None:
    store = FakeStore()
    v = verifier(store, cache_ttl_seconds=60)
    _, record = new_key()
    for i in range(MAX_CACHE_ENTRIES + 5):
        v._remember(f"id-{i}", record)
    assert len(v._cache) <= MAX_CACHE_ENTRIES
    v.forget()
    assert v._cache == {}


# --- last used ------------------------------------------------------------------------------------


def valid_record(v: Verifier, plaintext: str) -> KeyRecord:
    result = v.verify(plaintext)
    assert result.valid and result.record is not None
    return result.record


def test_last_used_is_written_once_per_window() -> None:
    store = FakeStore()
    clock = Clock()
    plaintext, record = stored(store)
    v = verifier(store, clock, last_used_resolution_seconds=60)
    assert v.record_use(valid_record(v, plaintext), "203.0.113.7", "curl/8.5") is True
    assert store.writes == 1
    written = store.records[record.id]
    assert (written.last_used_at, written.last_used_ip, written.last_used_user_agent) == (
        T0,
        "203.0.113.7",
        "curl/8.5",
    )
    clock.at += 59
    assert v.record_use(valid_record(v, plaintext), "203.0.113.8", "curl/8.6") is False
    assert store.writes == 1  # within the window: no write at all, not even a failed one
    clock.at += 1.5
    assert v.record_use(valid_record(v, plaintext), "203.0.113.8", "curl/8.6") is True
    assert store.writes == 2
    assert store.records[record.id].last_used_ip == "203.0.113.8"


def test_a_use_recorded_by_another_container_inside_the_window_means_no_write() -> None:
    store = FakeStore()
    plaintext, _ = stored(store, last_used_at=T0 - 10)
    v = verifier(store)
    assert v.record_use(valid_record(v, plaintext), "203.0.113.7", None) is False
    assert store.writes == 0


def test_containers_that_race_write_once_between_them() -> None:
    store = FakeStore()
    plaintext, _ = stored(store)
    first, second = verifier(store), verifier(store)
    seen_by_first, seen_by_second = valid_record(first, plaintext), valid_record(second, plaintext)
    outcomes = [
        first.record_use(seen_by_first, "10.0.0.1", "a"),
        second.record_use(seen_by_second, "10.0.0.2", "b"),
    ]
    assert outcomes == [True, False]
    assert store.writes == 2  # both tried; the condition let one through


def test_a_failed_write_never_fails_the_verification_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    store = FakeStore(fail_writes=StoreUnavailable("ThrottlingException"))
    plaintext, _ = stored(store)
    v = verifier(store)
    result = v.verify(plaintext)
    assert result.valid
    with caplog.at_level(logging.WARNING):
        assert v.record_use(result.record, "203.0.113.7", "curl") is False  # type: ignore[arg-type]
    assert any("last-used write failed" in r.getMessage() for r in caplog.records)
    assert v.record_use(result.record, "203.0.113.7", "curl") is False  # type: ignore[arg-type]
    assert store.writes == 1  # not retried inside the window: no write storm on a throttled table


def test_long_client_texts_are_cut_and_missing_ones_cleared() -> None:
    store = FakeStore()
    plaintext, record = stored(store)
    v = verifier(store, last_used_resolution_seconds=0)
    assert v.record_use(valid_record(v, plaintext), "x" * 600, "y" * 600)
    assert len(store.records[record.id].last_used_user_agent or "") == 512


# --- against the real store code, with botocore's Stubber (no sockets) -------------------------------


def stubbed_store() -> tuple[KeyStore, Stubber]:
    session = botocore.session.get_session()
    client = session.create_client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=client_config(),
    )
    return KeyStore(client, "keys"), Stubber(client)


def verified_then_used(
    store: KeyStore, stub: Stubber, plaintext: str, ip: str | None, user_agent: str | None
) -> bool:
    """Verify ``plaintext`` (valid) and record its use through the stubbed store, consuming every
    stubbed answer: whether the last-used write landed."""
    v = Verifier(store, "ks", now=Clock())
    with stub:
        result = v.verify(plaintext)
        assert result.valid and result.record is not None
        used = v.record_use(result.record, ip, user_agent)
        stub.assert_no_pending_responses()
    return used


def test_a_throttled_last_used_write_still_verifies_valid() -> None:
    store, stub = stubbed_store()
    plaintext, record = new_key()
    stub.add_response(
        "get_item",
        {"Item": to_item(record)},
        {"TableName": "keys", "Key": {"id": {"S": record.id}}, "ConsistentRead": True},
    )
    stub.add_client_error("update_item", "ProvisionedThroughputExceededException", http_status_code=400)
    assert verified_then_used(store, stub, plaintext, "203.0.113.7", "curl/8.5") is False


def test_the_last_used_write_is_one_conditional_update_of_three_attributes() -> None:
    store, stub = stubbed_store()
    plaintext, record = new_key()
    stub.add_response("get_item", {"Item": to_item(record)})
    stub.add_response(
        "update_item",
        {},
        {
            "TableName": "keys",
            "Key": {"id": {"S": record.id}},
            "UpdateExpression": "SET last_used_at = :at, last_used_ip = :last_used_ip, "
            "last_used_user_agent = :last_used_user_agent",
            "ConditionExpression": "attribute_exists(key_hash) AND "
            "(attribute_not_exists(last_used_at) OR last_used_at <= :not_after)",
            "ExpressionAttributeValues": {
                ":at": {"N": repr(T0)},
                ":not_after": {"N": repr(T0 - 60)},
                ":last_used_ip": {"S": "203.0.113.7"},
                ":last_used_user_agent": {"S": "curl/8.5"},
            },
        },
    )
    assert verified_then_used(store, stub, plaintext, "203.0.113.7", "curl/8.5") is True


def test_a_lost_race_is_a_condition_failure_read_as_no_write() -> None:
    store, stub = stubbed_store()
    plaintext, record = new_key()
    stub.add_response("get_item", {"Item": to_item(record)})
    stub.add_client_error("update_item", "ConditionalCheckFailedException", http_status_code=400)
    assert verified_then_used(store, stub, plaintext, None, None) is False


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_a_throttled_or_failed_read_raises_store_unavailable(code: str) -> None:
    store, stub = stubbed_store()
    plaintext, _ = new_key()
    stub.add_client_error("get_item", code, http_status_code=500 if code == "InternalServerError" else 400)
    with stub, pytest.raises(StoreUnavailable):
        Verifier(store, "ks", now=Clock()).verify(plaintext)
