"""The Python client against the in-test Keysmith: results, errors, retries, paging, time-outs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from fake_keysmith import FakeKeysmith, RecordedSleep, Reply, problem, unavailable, unused_url
from keysmith_client import (
    UNSET,
    ApiKey,
    Conflict,
    ConnectionFailed,
    CreatedApiKey,
    Forbidden,
    InternalError,
    Keysmith,
    KeysmithError,
    NotFound,
    RetryPolicy,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    ValidationError,
)
from keysmith_client.errors import ClientError, ServerError, parse_retry_after


def client_for(fake: FakeKeysmith, sleeps: RecordedSleep | None = None, **options: object) -> Keysmith:
    if sleeps is not None:
        options["sleep"] = sleeps
    return Keysmith(fake.url, token="session-token", **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- typed results
def test_create_returns_the_secret_once_with_typed_metadata(fake: FakeKeysmith) -> None:
    created = client_for(fake).create_key(
        "CI deploy", scopes=["read", "write"], metadata={"team": "core"}, description="deploys"
    )
    assert isinstance(created, CreatedApiKey)
    assert created.key is not None and created.key.startswith("ks_")
    assert created.name == "CI deploy" and created.scopes == ["read", "write"]
    assert created.metadata == {"team": "core"} and created.description == "deploys"
    assert created.created_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert created.owner is not None and str(created.owner) == "user:u_1"
    assert created.can("suspend") and not created.can("delete")
    assert "key" not in created.raw, "the metadata kept for display never holds the secret"
    assert created.key not in repr(created), "the secret stays out of repr (and so out of logs)"
    sent = fake.requests[-1]
    assert sent.method == "POST" and sent.path == "/v1/api-keys"
    assert sent.headers["authorization"] == "Bearer session-token"
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "name": "CI deploy",
        "scopes": ["read", "write"],
        "description": "deploys",
        "metadata": {"team": "core"},
    }
    assert len(sent.headers["idempotency-key"]) >= 16


def test_each_create_call_gets_its_own_idempotency_key_and_a_replay_has_no_secret(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    first, second = client.create_key("a"), client.create_key("b")
    assert fake.requests[0].headers["idempotency-key"] != fake.requests[1].headers["idempotency-key"]
    assert first.id != second.id
    again = client.create_key("a", idempotency_key=fake.requests[0].headers["idempotency-key"])
    assert again.replayed and again.key is None and again.id == first.id


def test_get_update_actions_rotate_delete_and_verify(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    created = client.create_key("svc", scopes=["read", "write"])
    assert client.get_key(created.id).id == created.id

    updated = client.update_key(created.id, name="svc (main)", description=None, expires_at=UNSET)
    assert fake.requests[-1].method == "PATCH" and fake.requests[-1].json() == {
        "name": "svc (main)",
        "description": None,
    }
    assert isinstance(updated, ApiKey) and updated.name == "svc (main)"
    client.update_key(created.id, expires_at=datetime(2027, 1, 1, 12, 30, 5, 999, tzinfo=UTC))
    assert fake.requests[-1].json() == {"expires_at": "2027-01-01T12:30:05Z"}

    assert client.suspend_key(created.id).status == "suspended"
    assert client.activate_key(created.id).status == "active"
    assert client.verify(created.key or "", required_scopes=["write"]).valid

    successor = client.rotate_key(created.id, grace_period_seconds=3600)
    assert fake.requests[-1].json() == {"grace_period_seconds": 3600}
    assert successor.key and successor.rotated_from == created.id and not successor.replayed
    assert client.get_key(created.id).rotated_to == successor.id

    assert client.revoke_key(created.id).status == "revoked"
    verdict = client.verify(created.key or "")
    assert not verdict.valid and verdict.code == "REVOKED" and verdict.key is None
    assert client.delete_key(created.id) is None
    assert fake.requests[-1].method == "DELETE"
    with pytest.raises(NotFound):
        client.get_key(created.id)


def test_verify_reports_the_key_it_found(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    created = client.create_key("svc", scopes=["read"])
    result = client.verify(created.key or "", required_scopes=["read"], client_ip="203.0.113.7")
    assert result.valid and result.code == "VALID"
    assert result.key is not None and result.key.id == created.id and result.key.scopes == ["read"]
    assert fake.requests[-1].json() == {
        "key": created.key,
        "required_scopes": ["read"],
        "client_ip": "203.0.113.7",
    }


# ---------------------------------------------------------------------------- typed errors
@pytest.mark.parametrize(
    ("reply", "error_type", "family", "slug"),
    [
        (problem(400, "malformed-request", "Bad cursor."), KeysmithError, ClientError, "malformed-request"),
        (problem(401, "unauthenticated", "Expired."), Unauthenticated, ClientError, "unauthenticated"),
        (problem(403, "forbidden", "Needs keys:write."), Forbidden, ClientError, "forbidden"),
        (problem(404, "not-found", "No such key."), NotFound, ClientError, "not-found"),
        (problem(409, "conflict", "The key is revoked."), Conflict, ClientError, "conflict"),
        (problem(500, "internal", "Something failed."), InternalError, ServerError, "internal"),
    ],
)
def test_problem_json_becomes_the_exception_of_its_slug(
    fake: FakeKeysmith, reply: Reply, error_type: type[KeysmithError], family: type[KeysmithError], slug: str
) -> None:
    fake.queue(reply)
    with pytest.raises(error_type) as raised:
        client_for(fake).get_key("3c90c3cc-0d44-8b50-a888-8dd25736052a")
    error = raised.value
    assert isinstance(error, family)
    assert error.status == reply.status and error.slug == slug
    assert error.title == reply.body["title"] and error.detail == reply.body["detail"]
    assert error.request_id == reply.body["request_id"]
    assert len(fake.requests) == 1, "a refusal or a 500 is not retried"


def test_validation_errors_carry_their_pointers(fake: FakeKeysmith) -> None:
    with pytest.raises(ValidationError) as raised:
        client_for(fake).create_key("   ")
    assert raised.value.errors == [{"pointer": "/name", "detail": "must be 1-100 characters after trimming"}]
    assert raised.value.slug == "validation-error" and raised.value.status == 422


def test_an_answer_that_is_not_problem_json_is_classified_by_status(fake: FakeKeysmith) -> None:
    fake.queue(Reply(403, {"message": "Forbidden"}))  # API Gateway refusing a signature
    with pytest.raises(Forbidden) as raised:
        client_for(fake).list_keys()
    assert raised.value.slug is None and raised.value.title == "Forbidden"
    assert raised.value.request_id == "req-1", "the X-Request-Id header stands in for a missing request_id"


# ---------------------------------------------------------------------------- retries
def test_503_is_retried_after_retry_after_with_jitter_and_the_same_idempotency_key(
    fake: FakeKeysmith, sleeps: RecordedSleep
) -> None:
    fake.queue(unavailable("2"), unavailable("1"))
    policy = RetryPolicy(max_retries=3, base=0.5, cap=4.0)
    created = client_for(fake, sleeps, retry=policy).create_key("after a fault")
    assert created.key
    assert len(fake.requests) == 3
    assert len({request.headers["idempotency-key"] for request in fake.requests}) == 1
    assert [request.json() for request in fake.requests] == [{"name": "after a fault"}] * 3
    first, second = sleeps.waits
    assert 2.0 <= first <= 2.0 + 0.5, "waits Retry-After plus at most base * 2**0 of jitter"
    assert 1.0 <= second <= 1.0 + 1.0, "the jitter's ceiling doubles per attempt"


def test_retries_are_bounded_and_the_last_503_is_raised(fake: FakeKeysmith, sleeps: RecordedSleep) -> None:
    fake.queue(*[unavailable("1") for _ in range(10)])
    with pytest.raises(Unavailable) as raised:
        client_for(fake, sleeps, retry=RetryPolicy(max_retries=2)).list_keys()
    assert len(fake.requests) == 3, "one attempt and two retries"
    assert len(sleeps.waits) == 2 and all(wait >= 1.0 for wait in sleeps.waits)
    error = raised.value
    assert error.status == 503 and error.slug == "unavailable" and error.retry_after == 1.0
    assert isinstance(error, ServerError) and error.request_id


def test_retry_after_is_really_waited_for(fake: FakeKeysmith) -> None:
    fake.queue(unavailable("1"))
    client_for(fake, retry=RetryPolicy(max_retries=1, base=0.01)).list_keys()
    assert len(fake.requests) == 2
    gap = fake.requests[1].arrived - fake.requests[0].arrived
    assert gap >= 1.0, f"the retry came {gap:.3f} s after a Retry-After: 1"


def test_an_answer_asking_for_a_longer_wait_than_allowed_is_raised_at_once(
    fake: FakeKeysmith, sleeps: RecordedSleep
) -> None:
    fake.queue(unavailable("3600"))
    with pytest.raises(Unavailable) as raised:
        client_for(fake, sleeps, retry=RetryPolicy(max_wait=60)).list_keys()
    assert raised.value.retry_after == 3600 and len(fake.requests) == 1 and sleeps.waits == []


def test_a_throttled_answer_is_retried_like_503(fake: FakeKeysmith, sleeps: RecordedSleep) -> None:
    fake.queue(Reply(429, {"message": "Too Many Requests"}))
    assert client_for(fake, sleeps).list_keys().items == []
    assert len(fake.requests) == 2
    fake.queue(*[Reply(429, {"message": "Too Many Requests"}) for _ in range(4)])
    with pytest.raises(TooManyRequests):
        client_for(fake, sleeps, retry=RetryPolicy(max_retries=1)).list_keys()


def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None and 28 <= seconds <= 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_lost_connection_is_retried_for_reads_and_creates_only(
    fake: FakeKeysmith, sleeps: RecordedSleep
) -> None:
    client = client_for(fake, sleeps, retry=RetryPolicy(max_retries=2))
    existing = fake.add_key("existing")

    fake.queue(Reply(0, drop=True))
    assert client.get_key(existing["id"]).id == existing["id"]
    assert len(fake.requests) == 2, "a GET is repeated after a dropped connection"

    fake.queue(Reply(0, drop=True))
    created = client.create_key("made once")
    creates = [request for request in fake.requests if request.method == "POST"]
    assert (
        len(creates) == 2 and creates[0].headers["idempotency-key"] == creates[1].headers["idempotency-key"]
    )
    assert created.key, "the first attempt died before the server made anything, so the retry made the key"

    before = len(fake.requests)
    fake.queue(Reply(0, drop=True))
    with pytest.raises(ConnectionFailed) as raised:
        client.suspend_key(existing["id"])
    assert raised.value.status is None
    assert len(fake.requests) == before + 1, "a state change is not repeated when its outcome is unknown"

    fake.queue(*[Reply(0, drop=True) for _ in range(5)])
    before = len(fake.requests)
    with pytest.raises(ConnectionFailed):
        client.list_keys()
    assert len(fake.requests) == before + 3, "bounded: one attempt and two retries"


def test_a_slow_answer_times_out(fake: FakeKeysmith, sleeps: RecordedSleep) -> None:
    fake.queue(Reply(200, {"valid": False, "code": "NOT_FOUND"}, delay=1.5))
    client = client_for(fake, sleeps, timeout=0.3, retry=RetryPolicy(max_retries=3))
    with pytest.raises(ConnectionFailed) as raised:
        client.verify("ks_" + "0" * 49)
    assert "timed out" in str(raised.value).lower() or "read" in str(raised.value).lower()
    assert len(fake.requests) == 1, "a verification may spend a credit: never repeated blindly"


def test_nothing_listening_is_a_connection_failure() -> None:
    url = unused_url()
    client = Keysmith(url, token="t", retry=RetryPolicy(max_retries=0), timeout=2)
    with pytest.raises(ConnectionFailed) as raised:
        client.list_keys()
    assert raised.value.status is None and url in str(raised.value)


# ---------------------------------------------------------------------------- paging
def test_iter_keys_follows_next_cursor_to_the_end(fake: FakeKeysmith) -> None:
    made = [fake.add_key(f"key {number}")["id"] for number in range(45)]
    listed = [key.id for key in client_for(fake).iter_keys(page_size=20, status="active")]
    assert listed == list(reversed(made)), "every key once, newest first"
    pages = [request for request in fake.requests if request.path == "/v1/api-keys"]
    assert [request.query.get("cursor") for request in pages] == [None, ["20"], ["40"]]
    assert all(
        request.query["limit"] == ["20"] and request.query["status"] == ["active"] for request in pages
    )


def test_list_keys_sends_filters_and_reads_the_page(fake: FakeKeysmith) -> None:
    fake.add_key("only")
    page = client_for(fake).list_keys(
        limit=5, owner_type="service_account", owner_id="sa 1", environment_id="e"
    )
    assert [key.name for key in page.items] == ["only"] and page.next_cursor is None
    assert fake.requests[-1].query == {
        "limit": ["5"],
        "owner_type": ["service_account"],
        "owner_id": ["sa 1"],
        "environment_id": ["e"],
    }
    assert "owner_id=sa%201" in fake.requests[-1].raw_target


def test_an_answer_that_is_not_a_json_object_is_a_server_error(fake: FakeKeysmith) -> None:
    fake.queue(Reply(200, "just a string"), Reply(200, None, {"Content-Type": "text/html"}))
    client = client_for(fake)
    with pytest.raises(ServerError, match="not a JSON object"):
        client.list_keys()
    with pytest.raises(ServerError, match="not JSON"):
        client.get_key("3c90c3cc-0d44-8b50-a888-8dd25736052a")


def test_act_as_must_name_a_user_or_a_service_account() -> None:
    with pytest.raises(ValueError, match="act-as"):
        Keysmith("http://127.0.0.1:1", tenant="acme", act_as="admin")
