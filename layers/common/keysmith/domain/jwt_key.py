"""The JWT key format: a compact JWS signed ES256 whose header is exactly
``{"alg":"ES256","typ":"<prefix>+jwt","kid":"<kid>"}`` (in that order, no spaces), so that its text
starts with the same characters for every key of a deploy and a secret scanner can match it.

- ``claims(record, issuer)`` is the one place the claims are made from a key's record;
- ``encode`` signs them with a ``Signer`` (``keysmith.domain.signing``);
- ``JwtKeyReader.key_id_of`` checks a presented JWT with no database call: structure, the exact
  header, a signing key this deploy trusts, the signature, then the claims (issuer, types, times).
  What it answers is the key id (``jti``); the caller then reads the record and compares the stored
  SHA-256 of the whole JWT, exactly as for an opaque key.

Standard library only: the signature itself is checked by ``PublicKeys`` (``keysmith.signing``),
so an opaque key's verification never loads a cryptography library.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keysmith.domain.api_key import KeyRecord
from keysmith.domain.grammar import KEY_ID
from keysmith.domain.signing import PublicKeys, Signer
from keysmith.domain.verdicts import JwtKeyNotYetValid

JWT = "jwt"
OPAQUE = "opaque"
FORMATS = (OPAQUE, JWT)
ALGORITHM = "ES256"
# Longest JWT key accepted for checking: a real one is well under 1 KiB (no metadata in the claims).
MAX_LENGTH = 2048
MAX_HEADER_LENGTH = 256
SIGNATURE_LENGTH = 86  # 64 bytes (r || s) in base64url without padding
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
OWNER_TYPES = ("user", "service_account")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes | None:
    """The bytes of a canonical unpadded base64url segment, or None (other alphabets, padding,
    impossible lengths and non-canonical trailing bits are all refused)."""
    if not _SEGMENT.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64url(data) == text else None


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def typ(prefix: str) -> str:
    return f"{prefix}+jwt"


def header(prefix: str, kid: str) -> bytes:
    """The header's exact bytes: alg, typ, kid in that order."""
    return _json({"alg": ALGORITHM, "typ": typ(prefix), "kid": kid})


def fixed_start(prefix: str) -> str:
    """The first characters of every JWT key of a deploy with this prefix: the base64url text of
    the header up to ``"kid":"``, cut to whole 3-byte groups (what follows depends on the kid)."""
    start = b'{"alg":"ES256","typ":"' + typ(prefix).encode("ascii") + b'","kid":"'
    return b64url(start[: len(start) - len(start) % 3])


def new_key_id() -> str:
    """A JWT key's id (its ``jti``): 16 bytes from the OS CSPRNG as an RFC 9562 UUID version 8."""
    raw = bytearray(secrets.token_bytes(16))
    raw[6] = (raw[6] & 0x0F) | 0x80
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def claims(record: KeyRecord, issuer: str) -> dict[str, Any]:
    """The claims of the JWT of ``record``: the one place they are made (and checked against,
    by ``JwtKeyReader``). ``environment_id`` is left out for a tenant-wide key, ``exp`` for a key
    that never expires."""
    made: dict[str, Any] = {
        "iss": issuer,
        "sub": record.owner_id,
        "owner_type": record.owner_type,
        "tenant_id": record.tenant_id,
    }
    if record.environment_id is not None:
        made["environment_id"] = record.environment_id
    made["scope"] = " ".join(record.scopes)
    made["jti"] = record.id
    made["iat"] = int(record.created_at)
    if record.limits.not_before is not None:
        made["nbf"] = int(record.limits.not_before)
    if record.expires_at is not None:
        made["exp"] = int(record.expires_at)
    return made


def encode(record: KeyRecord, prefix: str, issuer: str, signer: Signer) -> str:
    """The signed JWT of ``record``: ``<header>.<claims>.<signature>``, base64url, ES256."""
    signing_input = f"{b64url(header(prefix, signer.kid))}.{b64url(_json(claims(record, issuer)))}"
    signature = signer.sign(signing_input.encode("ascii"))
    if len(signature) != 64:
        raise ValueError("an ES256 signature is 64 bytes (r || s)")
    return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True, slots=True)
class _Parts:
    kid: str
    signing_input: bytes
    claims: dict[str, Any]
    signature: bytes


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class JwtKeyReader:
    """Checks presented JWT keys for one deploy (prefix, issuer) against the signing keys it trusts."""

    def __init__(
        self, prefix: str, issuer: str, public_keys: Callable[[], PublicKeys], now: Callable[[], float]
    ) -> None:
        self.prefix = prefix
        self.issuer = issuer
        self.public_keys = public_keys
        self.now = now

    def key_id_of(self, token: str) -> str | None:
        """The key id (``jti``) of a genuine, current JWT key of this deploy, or None. No I/O but,
        once per signing key and container, fetching that key's public half."""
        parts = self._parse(token)
        if parts is None:
            return None
        public_keys = self.public_keys()
        if not public_keys.trusts(parts.kid):
            return None
        if not public_keys.verify(parts.kid, parts.signing_input, parts.signature):
            return None
        return self._check_claims(parts.claims)

    def _parse(self, token: str) -> _Parts | None:
        if len(token) > MAX_LENGTH or token.count(".") != 2:
            return None
        head, body, signature_text = token.split(".")
        if len(head) > MAX_HEADER_LENGTH or len(signature_text) != SIGNATURE_LENGTH:
            return None
        head_bytes, body_bytes, signature = (_b64url_decode(s) for s in (head, body, signature_text))
        if head_bytes is None or body_bytes is None or signature is None:
            return None
        try:
            fields = json.loads(head_bytes, object_pairs_hook=list)
            payload = json.loads(body_bytes)
        except (ValueError, RecursionError):
            return None
        if not isinstance(fields, list) or [name for name, _ in fields] != ["alg", "typ", "kid"]:
            return None
        kid = fields[2][1]
        if not isinstance(kid, str) or head_bytes != header(self.prefix, kid):
            return None  # alg none, HS256, another typ or prefix, extra members, other spacing
        if not isinstance(payload, dict):
            return None
        return _Parts(kid, f"{head}.{body}".encode("ascii"), payload, signature)

    def _check_claims(self, payload: dict[str, Any]) -> str | None:
        now = self.now()
        jti = payload.get("jti")
        if payload.get("iss") != self.issuer or not isinstance(jti, str) or not KEY_ID.fullmatch(jti):
            return None
        if not all(isinstance(payload.get(name), str) for name in ("sub", "tenant_id", "scope")):
            return None
        if payload.get("owner_type") not in OWNER_TYPES:
            return None
        if "environment_id" in payload and not isinstance(payload["environment_id"], str):
            return None
        if not _is_int(payload.get("iat")):
            return None
        if "exp" in payload and (not _is_int(payload["exp"]) or payload["exp"] <= now):
            return None
        if "nbf" in payload:
            if not _is_int(payload["nbf"]):
                return None
            if payload["nbf"] > now:  # genuine and whole, only early: the key's not_before
                raise JwtKeyNotYetValid(jti)
        return jti
