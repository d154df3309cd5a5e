"""SigV4 for the internal API: every request signed (service execute-api), checked with botocore."""

from __future__ import annotations

import pytest
from botocore.credentials import Credentials

from fake_keysmith import FakeKeysmith, RecordedSleep, unavailable
from keysmith_client import Keysmith, KeysmithError, RetryPolicy, SigV4Signer
from sigv4_check import assert_valid_signature, expected_signature, parse_authorization

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
REGION = "eu-west-1"


def internal(fake: FakeKeysmith, **options: object) -> Keysmith:
    return Keysmith.internal(
        fake.url,
        tenant="acme",
        region=REGION,
        credentials=CREDENTIALS,
        **options,  # type: ignore[arg-type]
    )


def test_a_create_is_signed_over_its_tenant_act_as_and_idempotency_headers(fake: FakeKeysmith) -> None:
    created = internal(fake, act_as="user:u_42").create_key("made by the backend", scopes=["read"])
    assert created.key
    request = fake.requests[-1]
    assert request.headers["keysmith-tenant"] == "acme"
    assert request.headers["keysmith-act-as"] == "user:u_42"
    parts = assert_valid_signature(request, fake.url, CREDENTIALS, REGION)
    signed = parts["signed"].split(";")
    for header in (
        "host",
        "x-amz-date",
        "content-type",
        "keysmith-tenant",
        "keysmith-act-as",
        "idempotency-key",
    ):
        assert header in signed, f"{header} is not covered by the signature"
    assert "bearer" not in request.headers.get("authorization", "").lower()


def test_a_changed_tenant_or_body_no_longer_matches_the_signature(fake: FakeKeysmith) -> None:
    internal(fake).create_key("signed")
    request = fake.requests[-1]
    genuine = parse_authorization(request)["signature"]
    request.headers["keysmith-tenant"] = "another-tenant"
    assert expected_signature(request, fake.url, CREDENTIALS, REGION) != genuine
    request.headers["keysmith-tenant"] = "acme"
    request.body = request.body.replace(b"signed", b"forged")
    assert expected_signature(request, fake.url, CREDENTIALS, REGION) != genuine
    wrong_secret = Credentials(CREDENTIALS.access_key, "not-the-secret")
    request.body = request.body.replace(b"forged", b"signed")
    assert expected_signature(request, fake.url, wrong_secret, REGION) != genuine


def test_a_query_string_is_signed_too(fake: FakeKeysmith) -> None:
    fake.add_key("listed")
    internal(fake, act_as="service_account:sa_billing").list_keys(
        limit=10, owner_id="sa billing", status="active"
    )
    request = fake.requests[-1]
    assert request.query["owner_id"] == ["sa billing"]
    assert_valid_signature(request, fake.url, CREDENTIALS, REGION)


def test_every_retry_is_signed_afresh(fake: FakeKeysmith, sleeps: RecordedSleep) -> None:
    fake.queue(unavailable("1"), unavailable("1"))
    internal(fake, sleep=sleeps, retry=RetryPolicy(max_retries=2)).create_key("after faults")
    assert len(fake.requests) == 3
    for request in fake.requests:
        assert_valid_signature(request, fake.url, CREDENTIALS, REGION)


def test_temporary_credentials_send_their_session_token_under_the_signature(fake: FakeKeysmith) -> None:
    temporary = Credentials("ASIAEXAMPLE", "secret", token="session-token-from-sts")
    Keysmith.internal(fake.url, tenant="acme", region=REGION, credentials=temporary).get_key(
        fake.add_key("x")["id"]
    )
    request = fake.requests[-1]
    assert request.headers["x-amz-security-token"] == "session-token-from-sts"
    parts = assert_valid_signature(request, fake.url, temporary, REGION)
    assert "x-amz-security-token" in parts["signed"].split(";")


def test_verify_needs_no_tenant(fake: FakeKeysmith) -> None:
    result = Keysmith.internal(fake.url, tenant=None, region=REGION, credentials=CREDENTIALS).verify(
        "ks_nope"
    )
    assert result.code == "NOT_FOUND"
    request = fake.requests[-1]
    assert "keysmith-tenant" not in request.headers
    assert_valid_signature(request, fake.url, CREDENTIALS, REGION)


def test_unsigned_for_the_local_server_still_names_the_tenant(fake: FakeKeysmith) -> None:
    fake.add_key("x")
    Keysmith.internal(fake.url, tenant="acme", sign=False).list_keys()
    request = fake.requests[-1]
    assert "authorization" not in request.headers and "x-amz-date" not in request.headers
    assert request.headers["keysmith-tenant"] == "acme"


def test_the_default_credential_chain_is_used_when_none_are_given(
    fake: FakeKeysmith, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    Keysmith.internal(fake.url, tenant="acme").list_keys()
    parts = assert_valid_signature(
        fake.requests[-1], fake.url, Credentials("AKIDFROMENV", "secret-from-env"), "ap-southeast-2"
    )
    assert parts["akid"] == "AKIDFROMENV"


def test_no_credentials_is_a_clear_error() -> None:
    with pytest.raises(KeysmithError, match="no AWS credentials"):
        SigV4Signer(region=REGION)
