"""What the JWT-key tests share: the test process's signing key (``tests.helpers.test_signing_key``)
to sign forged tokens with, a JWT's parts, AWS KMS signing keys on moto, and the hostile tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from keysmith.domain.jwt_key import b64url
from keysmith.signing.keyring import Keyring
from keysmith.signing.local_key import LocalKey
from tests.helpers import test_signing_key


def this_deploys_key() -> LocalKey:
    """The key that signs this test process's JWT keys (as the functions see it)."""
    return LocalKey(Path(test_signing_key().removeprefix("file:")))


def other_key(folder: Path) -> LocalKey:
    """A valid ES256 key this deploy does not trust."""
    return LocalKey(folder / "other-signing-key.pem")


def decode(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT's header and claims (not checked)."""
    head, body, _ = token.split(".")
    return decode(head), decode(body)


def sign(header: dict[str, Any] | bytes, claims: dict[str, Any], signer: Callable[[bytes], bytes]) -> str:
    """A compact JWS with exactly this header (dict: compact JSON; bytes: as given) and claims."""
    head = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    signing_input = f"{b64url(head)}.{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{signing_input}.{b64url(signer(signing_input.encode()))}"


def hostile_tokens(genuine: str, folder: Path) -> dict[str, str]:
    """Tokens built from a genuine JWT key of this deploy that must each be refused with no
    database call: forged algorithms, headers and claims, altered bytes, odd encodings."""
    header, claims = parts(genuine)
    real = this_deploys_key().sign
    now = int(time.time())
    public_pem = base64.b64encode(this_deploys_key().public_der())
    head, body, signature = genuine.split(".")
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[10] ^= 0x01
    tampered_claims = {**claims, "scope": claims["scope"] + " write keys:write"}
    return {
        "alg none": sign({**header, "alg": "none"}, claims, lambda _: b"").rstrip("."),
        "alg none with a signature": sign({**header, "alg": "none"}, claims, real),
        "HS256 signed with the public key": sign(
            {**header, "alg": "HS256"}, claims, lambda m: hmac.new(public_pem, m, hashlib.sha256).digest()
        ),
        "wrong typ": sign({**header, "typ": "JWT"}, claims, real),
        "another deploy's prefix": sign({**header, "typ": "acme+jwt"}, claims, real),
        "extra header member": sign({**header, "jku": "https://evil.example/jwks"}, claims, real),
        "header with spaces": sign(json.dumps(header).encode(), claims, real),
        "unknown kid": sign({**header, "kid": other_key(folder).kid}, claims, other_key(folder).sign),
        "trusted kid, signed by another key": sign(header, claims, other_key(folder).sign),
        "tampered payload": f"{head}.{b64url(json.dumps(tampered_claims, separators=(',', ':')).encode())}"
        f".{signature}",
        "tampered signature": f"{head}.{body}.{b64url(bytes(flipped))}",
        "zero signature": f"{head}.{body}.{b64url(bytes(64))}",
        "expired": sign(header, {**claims, "exp": now - 5}, real),
        "not yet valid (nbf)": sign(header, {**claims, "nbf": now + 3600}, real),
        "another issuer": sign(header, {**claims, "iss": "https://evil.example/"}, real),
        "jti not a key id": sign(header, {**claims, "jti": "../../etc"}, real),
        "oversized": sign(header, {**claims, "pad": "x" * 3000}, real),
        "oversized header": f"{b64url(b'{' + b' ' * 400 + b'}')}.{body}.{signature}",
        "non-base64url header": f"{head[:-2]}+/.{body}.{signature}",
        "padded segment": f"{head}.{body}==.{signature}",
        "non-base64url signature": f"{head}.{body}.{signature[:-1]}!",
        "four segments": f"{genuine}.{signature}",
        "empty segments": "..",
    }


def kms_signing_key(region: str = "us-east-1") -> str:
    """The ARN of a new ECC_NIST_P256 SIGN_VERIFY key (on moto, inside ``mock_aws``)."""
    metadata = kms_client(region).create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    return str(metadata["Arn"])


def kms_client(region: str = "us-east-1") -> Any:
    return boto3.client("kms", region_name=region)


def kms_keyring(current: str, *previous: str) -> Keyring:
    return Keyring(current, previous, kms_client=kms_client)


class CountingKms:
    """A KMS client that counts its calls and can be made to fail."""

    def __init__(self) -> None:
        self.client = kms_client()
        self.calls: list[str] = []
        self.failure: str | None = None

    def _call(self, name: str, **kwargs: Any) -> Any:
        self.calls.append(name)
        if self.failure is not None:
            raise ClientError({"Error": {"Code": self.failure, "Message": "injected"}}, name)
        return getattr(self.client, name)(**kwargs)

    def sign(self, **kwargs: Any) -> Any:
        return self._call("sign", **kwargs)

    def get_public_key(self, **kwargs: Any) -> Any:
        return self._call("get_public_key", **kwargs)
