"""keysmith.domain.audit without I/O: the ``changes`` of an event are computed from the key before
and after, over whatever fields the entity has (a field added later is audited with no more code),
never a secret, a digest or bookkeeping; the request's origin and the actor are stamped on it; a
TTL removal's event has an id that only depends on the key."""

from __future__ import annotations

from dataclasses import dataclass

from keysmith.domain import audit
from keysmith.domain.api_key import REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.principals import API_KEY, IAM, SESSION, TRUSTED_BACKEND, USER, Principal
from tests.support.fakes import KEY_ID, alices_key

T = 1_800_000_000.0  # 2027-01-15T08:00:00Z
ALICE = Principal(kind=SESSION, tenant_id="acme", owner_type=USER, owner_id="alice")


@dataclass(frozen=True, slots=True)
class LaterKeyRecord(KeyRecord):
    """The entity as other work may grow it: restrictions, limits, a format, and a secret."""

    format: str = "opaque"
    allowed_ips: tuple[str, ...] = ()
    not_before: float | None = None
    rate_limit: dict[str, int] | None = None
    credits: int | None = None
    signing_secret: str | None = None
    jwt_signature: str | None = None


def test_changes_are_the_fields_that_differ_shown_as_the_key_shows_them() -> None:
    before = alices_key(T, scopes=("read",), metadata={"team": "a"})
    after = before.with_changes(
        status=SUSPENDED, suspended_at=T + 60, scopes=("read", "write"), metadata={}, description="d"
    )
    assert audit.changes(before, after) == {
        "status": {"from": "active", "to": "suspended"},
        "suspended_at": {"from": None, "to": "2027-01-15T08:01:00Z"},
        "scopes": {"from": ["read"], "to": ["read", "write"]},
        "metadata": {"from": {"team": "a"}, "to": None},
        "description": {"from": None, "to": "d"},
    }
    assert audit.changes(before, before) == {}


def test_secrets_digests_bookkeeping_and_last_used_are_never_in_changes() -> None:
    before = alices_key(T)
    after = before.with_changes(
        key_hash="ff" * 32,
        version=9,
        updated_at=T + 1,
        ttl=123,
        created_sk="x",
        last_used_at=T + 2,
        last_used_ip="203.0.113.9",
        last_used_user_agent="ua",
    )
    assert audit.changes(before, after) == {}
    created = audit.changes(None, after)
    assert not set(created) & (audit.NOT_AUDITED | {"key_hash"})
    assert created["id"] == {"from": None, "to": KEY_ID} and created["name"]["to"] == "k"


def test_a_field_added_to_the_key_is_audited_without_more_code_and_a_secret_one_never() -> None:
    before = LaterKeyRecord(**{f: getattr(alices_key(T), f) for f in KeyRecord.__dataclass_fields__})
    after = before.with_changes(
        format="jwt",
        allowed_ips=("10.0.0.0/8",),
        not_before=T + 3600,
        rate_limit={"requests": 10, "per_seconds": 1},
        credits=500,
        signing_secret="s3cr3t",
        jwt_signature="sig",
    )
    assert audit.changes(before, after) == {
        "format": {"from": "opaque", "to": "jwt"},
        "allowed_ips": {"from": None, "to": ["10.0.0.0/8"]},
        "not_before": {"from": None, "to": "2027-01-15T09:00:00Z"},
        "rate_limit": {"from": None, "to": {"requests": 10, "per_seconds": 1}},
        "credits": {"from": None, "to": 500},
    }


def test_applied_sets_and_removes_fields_and_bumps_the_version() -> None:
    before = alices_key(T, status=SUSPENDED, suspended_at=T - 5, metadata={"a": "b"})
    after = audit.applied(
        before, {"status": "active", "updated_at": T, "change_token": "x"}, ("suspended_at",)
    )
    assert (after.status, after.suspended_at, after.updated_at, after.version) == ("active", None, T, 2)
    assert audit.applied(before, {}, ("metadata",)).metadata == {}


def test_an_event_carries_the_actor_and_the_requests_origin() -> None:
    before = alices_key(T)
    after = before.with_changes(status=REVOKED, revoked_at=T)
    origin = audit.Origin("203.0.113.9", "curl/8", "req-1")
    with audit.request_origin(origin):
        event = audit.event_for(audit.REVOKE, ALICE, before, after, T)
    outside = audit.event_for(audit.REVOKE, ALICE, before, after, T)
    assert (outside.source_ip, outside.user_agent, outside.request_id) == (None, None, None)
    assert event.id != outside.id  # fresh per change: how the store recognises its own lost answer
    document = event.document()
    assert document == {
        "id": event.id,
        "occurred_at": "2027-01-15T08:00:00Z",
        "action": "revoke",
        "key_id": KEY_ID,
        "tenant_id": "acme",
        "actor": {"type": "user", "id": "alice"},
        "source_ip": "203.0.113.9",
        "user_agent": "curl/8",
        "request_id": "req-1",
        "changes": {
            "status": {"from": "active", "to": "revoked"},
            "revoked_at": {"from": None, "to": "2027-01-15T08:00:00Z"},
        },
    }
    assert (event.owner_type, event.owner_id) == ("user", "alice")  # who may see it; not in the JSON


def test_actors_are_recorded_as_created_by_records_a_creator() -> None:
    key = Principal(kind=API_KEY, tenant_id="acme", owner_type="service_account", owner_id="sa", key_id="k1")
    backend = Principal(
        kind=TRUSTED_BACKEND,
        tenant_id="acme",
        owner_type=USER,
        owner_id="alice",
        iam_arn="arn:aws:iam::1:user/b",
    )
    assert audit.actor_of(ALICE) == ("user", "alice")
    assert audit.actor_of(key) == ("api_key", "k1")
    assert audit.actor_of(backend) == (IAM, "arn:aws:iam::1:user/b")


def test_a_ttl_removals_event_is_the_same_however_often_it_is_noticed() -> None:
    removed = alices_key(T, status=REVOKED, revoked_at=T)
    first, again = audit.removal_event(removed, T + 10), audit.removal_event(removed, T + 99)
    assert first.id == again.id and first.id != audit.removal_event(alices_key(T, id="x"), T).id
    assert (first.action, first.actor_type, first.actor_id) == ("expire", "system", "dynamodb-ttl")
    assert first.changes["status"] == {"from": "revoked", "to": None}
    assert "key_hash" not in first.changes


def test_retention_is_counted_from_the_event() -> None:
    event = audit.created(ALICE, alices_key(T))
    assert audit.expires_at(event, 7) == int(T) + 7 * 86_400
    assert event.action == "create" and event.changes["status"] == {"from": None, "to": "active"}
