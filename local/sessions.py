"""Local session tokens: an RS256 signing key, the JWKS that publishes it, and minted session JWTs.

The local server (``POST /_local/sessions``, ``GET /_local/jwks.json``), ``make invoke`` and the
tests use this one class, so that every local credential is made the same way. The deployed stack
never has it: there, sessions come from the OIDC issuer set by the template's parameters.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL_ISSUER = "https://keysmith.local/"
LOCAL_AUDIENCE = "keysmith-local"


class SessionSigner:
    def __init__(self, private_key: rsa.RSAPrivateKey, kid: str) -> None:
        self._key = private_key
        self.kid = kid

    @classmethod
    def generate(cls) -> SessionSigner:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), uuid.uuid4().hex)

    @classmethod
    def load_or_create(cls, folder: Path) -> SessionSigner:
        """The signing key kept under ``folder`` (git-ignored), made on first use."""
        pem_path, kid_path = folder / "session-signing-key.pem", folder / "session-signing-key.kid"
        if pem_path.exists() and kid_path.exists():
            key = serialization.load_pem_private_key(pem_path.read_bytes(), password=None)
            if isinstance(key, rsa.RSAPrivateKey):
                return cls(key, kid_path.read_text().strip())
        signer = cls.generate()
        folder.mkdir(parents=True, exist_ok=True)
        pem = signer._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        pem_path.write_bytes(pem)
        pem_path.chmod(0o600)
        kid_path.write_text(signer.kid)
        return signer

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [public]}

    def mint(
        self,
        user_id: str,
        tenant_id: str,
        roles: list[str] | None = None,
        *,
        ttl_seconds: int = 3600,
        issuer: str = LOCAL_ISSUER,
        audience: str = LOCAL_AUDIENCE,
        tenant_claim: str = "tenant_id",
        roles_claim: str = "roles",
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, str]:
        """A signed session token and its expiry as RFC 3339."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": user_id,
            tenant_claim: tenant_id,
            roles_claim: list(roles or []),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
        }
        claims.update(extra or {})
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        expires = datetime.fromtimestamp(claims["exp"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return token, expires

    def private_key(self) -> rsa.RSAPrivateKey:
        return self._key
