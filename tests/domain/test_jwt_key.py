"""The JWT key format without I/O: the claims made from a record, the fixed start of every key of a
deploy, and the reader's order of checks (structure and header before the trusted kid, the kid
before the signature, the signature before the claims), on a fake of the PublicKeys Protocol."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from keysmith.domain import jwt_key
from keysmith.domain.jwt_key import JwtKeyReader, b64url, claims, encode, fixed_start, header
from tests.support.fakes import T0, new_key

ISSUER = "https://keys.example/"


@dataclass
class FakeKeys:
    """Trusts ``kid`` and accepts a signature equal to ``b"s" * 64``; counts what it was asked."""

    kid: str = "k1"
    verified: list[bytes] = field(default_factory=list)

    def trusts(self, kid: str) -> bool:
        return kid == self.kid

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        self.verified.append(message)
        return signature == b"s" * 64

    def jwks(self) -> dict[str, Any]:
        return {"keys": []}

    def sign(self, message: bytes) -> bytes:
        return b"s" * 64


def reader(keys: FakeKeys, now: float = T0) -> JwtKeyReader:
    return JwtKeyReader("ks", ISSUER, lambda: keys, lambda: now)


def test_the_claims_come_from_the_record_in_one_place() -> None:
    _, record = new_key(environment_id="env_prod", expires_at=T0 + 60)
    made = claims(record, ISSUER)
    assert made == {
        "iss": ISSUER,
        "sub": "u_1",
        "owner_type": "user",
        "tenant_id": "acme",
        "environment_id": "env_prod",
        "scope": "read write",
        "jti": record.id,
        "iat": int(record.created_at),
        "exp": int(T0 + 60),
    }
    assert set(claims(record.with_changes(environment_id=None, expires_at=None), ISSUER)) == {
        "iss",
        "sub",
        "owner_type",
        "tenant_id",
        "scope",
        "jti",
        "iat",
    }


@pytest.mark.parametrize("prefix", ["ks", "acme", "a", "abc_de1", "p" * 16])
def test_every_key_of_a_deploy_starts_with_its_fixed_start(prefix: str) -> None:
    for kid in ("k", "local-abc", "1f362b03-75de-472a-a32c-1d3cebb1d095"):
        assert b64url(header(prefix, kid)).startswith(fixed_start(prefix))
    assert len(fixed_start(prefix)) % 4 == 0


def test_a_genuine_key_reads_as_its_jti_and_each_check_stops_before_the_next() -> None:
    keys = FakeKeys()
    _, record = new_key(expires_at=T0 + 60)
    token = encode(record.with_changes(id=jwt_key.new_key_id()), "ks", ISSUER, keys)
    jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
    assert reader(keys).key_id_of(token) == jti and len(keys.verified) == 1

    keys.verified.clear()
    head, body, _ = token.split(".")
    other_kid = f"{b64url(header('ks', 'k2'))}.{body}.{b64url(b's' * 64)}"
    assert reader(keys).key_id_of(other_kid) is None and keys.verified == []  # unknown kid: no check
    assert reader(keys).key_id_of(f"{head}.{body}.{b64url(b'x' * 64)}") is None  # bad signature
    assert reader(keys, now=T0 + 60).key_id_of(token) is None  # at exp: no longer valid
    assert reader(keys, now=T0 + 59).key_id_of(token) == jti
    assert reader(keys).key_id_of(token.replace(head, b64url(header("acme", "k1")))) is None


def test_a_new_key_id_is_a_uuid_version_8_from_the_csprng() -> None:
    ids = {jwt_key.new_key_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(i[14] == "8" and i[19] in "89ab" for i in ids)
