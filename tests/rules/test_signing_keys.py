"""The signing keys of JWT keys: AWS KMS (on moto) signs through the same Signer as the local key
(its DER signature becomes JWS's r || s, so a standard library verifies it), the public key is
fetched once per container and only when a JWT key is first presented, a KMS fault is a 503 (never
a pass), and rotating the signing key with PreviousSigningKeyArns lets no JWT key fail on the way:
a key signed by the previous signing key verifies while that key is listed and stops when it is
removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from keysmith import wiring
from keysmith.signing.keyring import Keyring
from tests.helpers import count_requests
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.jwt_keys import CountingKms, kms_keyring, kms_signing_key, other_key, this_deploys_key
from tests.support.verification import admin_key, verify

ON_MOTO = pytest.mark.parametrize("dynamodb", ["moto"], indirect=True)


@pytest.fixture
def kms(api: Api) -> Iterator[tuple[CountingKms, str]]:
    counting = CountingKms()
    arn = kms_signing_key()
    with wiring.replace(signing_keys=Keyring(arn, kms_client=lambda: counting)):
        yield counting, arn


@ON_MOTO
def test_a_kms_signed_key_verifies_here_and_offline_with_a_standard_library(
    api: Api, kms: tuple[CountingKms, str]
) -> None:
    counting, arn = kms
    created = admin_key(api, format="jwt", scopes=["read"])
    assert counting.calls == ["sign"]
    assert jwt.get_unverified_header(created["key"])["kid"] == arn.rsplit("/", 1)[-1]
    assert verify(api, {"key": created["key"]}).body["code"] == "VALID"
    jwks = api.request("GET", "/.well-known/jwks.json").body
    public = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(created["key"], public, algorithms=["ES256"], issuer=wiring.settings().key_issuer)
    assert claims["jti"] == created["id"]


@ON_MOTO
def test_the_public_key_is_fetched_once_per_container_and_only_for_a_jwt_key(
    api: Api, kms: tuple[CountingKms, str]
) -> None:
    counting, _ = kms
    opaque = admin_key(api, scopes=["read"])
    for _ in range(3):
        assert verify(api, {"key": opaque["key"]}).body["code"] == "VALID"
        assert authorize(f"Bearer {opaque['key']}")["isAuthorized"] is True
    assert counting.calls == []  # an opaque key never reaches KMS
    created = admin_key(api, format="jwt", scopes=["read"])
    for _ in range(3):
        assert verify(api, {"key": created["key"]}).body["code"] == "VALID"
        assert authorize(f"Bearer {created['key']}")["isAuthorized"] is True
    assert counting.calls == ["sign", "get_public_key"]


@ON_MOTO
@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException", "DisabledException"])
def test_a_kms_fault_is_503_or_an_authorizer_error_never_a_pass(
    api: Api, kms: tuple[CountingKms, str], code: str
) -> None:
    counting, _ = kms
    created = admin_key(api, format="jwt", scopes=["read"])
    counting.failure = code
    before = api.list_keys(api.session("u_1", "acme", ["admin"])).body["items"]
    refused = api.create_key(api.session("u_1", "acme"), "x", format="jwt")
    assert refused.status == 503 and refused.header("Retry-After"), refused.text
    assert api.list_keys(api.session("u_1", "acme", ["admin"])).body["items"] == before  # nothing stored
    answer = verify(api, {"key": created["key"]})
    assert answer.status == 503 and answer.header("Retry-After")
    with pytest.raises(Exception):  # noqa: B017 - the authorizer raises, so API Gateway answers 500
        authorize(f"Bearer {created['key']}")
    jwks = api.request("GET", "/.well-known/jwks.json")
    assert jwks.status == 503 and jwks.header("Retry-After")


@ON_MOTO
def test_rotating_the_kms_signing_key_fails_no_jwt_key_on_the_way(api: Api) -> None:
    old_arn, new_arn = kms_signing_key(), kms_signing_key()
    with wiring.replace(signing_keys=kms_keyring(old_arn)):
        signed_by_old = admin_key(api, format="jwt")["key"]
    rotation_steps(api, signed_by_old, kms_keyring(new_arn, old_arn), kms_keyring(new_arn))


def test_rotating_a_local_signing_key_fails_no_jwt_key_on_the_way(api: Api, tmp_path: Path) -> None:
    signed_by_old = admin_key(api, format="jwt")["key"]
    current = this_deploys_key().path
    new = other_key(tmp_path).path
    new_keyring = Keyring(f"file:{new}", [f"file:{current}"])
    rotation_steps(api, signed_by_old, new_keyring, Keyring(f"file:{new}"))


def rotation_steps(api: Api, signed_by_old: str, new_and_old: Keyring, new_only: Keyring) -> None:
    """Step 2 of the runbook (the new key signs, the old one is still listed), then step 3 (the old
    one removed): the old JWT verifies through step 2 and is MALFORMED, with no read, after it."""
    old_kid = jwt.get_unverified_header(signed_by_old)["kid"]
    with wiring.replace(signing_keys=new_and_old):
        assert verify(api, {"key": signed_by_old}).body["code"] == "VALID"
        signed_by_new = admin_key(api, format="jwt")["key"]
        new_kid = jwt.get_unverified_header(signed_by_new)["kid"]
        assert new_kid != old_kid
        kids = [key["kid"] for key in api.request("GET", "/.well-known/jwks.json").body["keys"]]
        assert kids == [new_kid, old_kid]
    with wiring.replace(signing_keys=new_only):
        with count_requests(api.parts.store.client) as counts:
            assert verify(api, {"key": signed_by_old}).body["code"] == "MALFORMED"
        assert sum(counts.values()) == 0
        assert verify(api, {"key": signed_by_new}).body["code"] == "VALID"
        kids = [key["kid"] for key in api.request("GET", "/.well-known/jwks.json").body["keys"]]
        assert kids == [new_kid]
