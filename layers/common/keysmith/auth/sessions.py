"""Session principals from OIDC JWTs: PyJWT with its JWKS client; issuer, audience, expiry and
algorithm checked. Any failure is 401 (503 when the issuer's JWKS cannot be fetched).

Rule 8: the roles claim must be a JSON array of strings (absent: no roles); the token's ``alg``
must be the algorithm of the JWKS key its ``kid`` names; the issuer's key set is cached for
``JWKS_CACHE_SECONDS`` and no signing key outlives it, so a key the issuer removed stops being
trusted within that time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt

from keysmith import wiring
from keysmith.domain.grammar import IDENTIFIER
from keysmith.domain.principals import SESSION, USER, Principal
from keysmith.domain.problems import unauthenticated, unavailable
from keysmith.settings import Settings

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 30
JWKS_CACHE_SECONDS = 300


KeySource = Callable[[str], Any]  # token -> a jwt.PyJWK


class StaticJwks:
    """Signing keys from a JWKS document held in memory (tests)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(document).keys}

    def __call__(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise jwt.PyJWKClientError("no key with that kid")
        return self._keys[kid]


class SessionVerifier:
    def __init__(self, settings: Settings, key_source: KeySource | None = None) -> None:
        self.settings = settings
        self._key_source = key_source

    def _keys(self) -> KeySource:
        if self._key_source is None:
            # The key set is cached (and refetched once for an unknown kid, at most every 30 s);
            # single keys are not: PyJWT's per-key cache never expires.
            client = jwt.PyJWKClient(
                self.settings.jwks_url,
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=5,
            )
            self._key_source = client.get_signing_key_from_jwt
        return self._key_source

    def verify(self, token: str) -> Principal:
        s = self.settings
        if not (s.jwks_url and s.jwt_issuer and s.jwt_audience):
            raise unauthenticated("Sessions are not configured on this deployment.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise unauthenticated("The session token is malformed.") from None
        if header.get("alg") not in ALGORITHMS:
            raise unauthenticated("The session token's algorithm is not accepted.")
        try:
            signing_key = self._keys()(token)
        except jwt.PyJWKClientConnectionError:
            raise unavailable("The session issuer's keys could not be fetched; retry shortly.") from None
        except jwt.PyJWTError:
            raise unauthenticated("The session token's signing key is unknown.") from None
        if header.get("alg") != getattr(signing_key, "algorithm_name", None):
            raise unauthenticated("The session token's algorithm is not its signing key's.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                signing_key.key,
                algorithms=[header["alg"]],
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("The session has expired.") from None
        except jwt.PyJWTError:
            raise unauthenticated("The session token is not valid here.") from None
        return principal_from_claims(claims, s)


def session_verifier() -> SessionVerifier:
    """The process's session verifier (built on first use; tests put their own in ``wiring``)."""
    return wiring.part("sessions", lambda: SessionVerifier(wiring.settings()))


def principal_from_claims(claims: dict[str, Any], settings: Settings) -> Principal:
    subject, tenant = claims.get("sub"), claims.get(settings.tenant_claim)
    if not isinstance(subject, str) or not IDENTIFIER.fullmatch(subject):
        raise unauthenticated("The session's subject is missing or has unsupported characters.")
    if not isinstance(tenant, str) or not IDENTIFIER.fullmatch(tenant):
        raise unauthenticated(f"The session's {settings.tenant_claim} claim is missing or not valid.")
    roles = claims.get(settings.roles_claim, [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise unauthenticated(f"The session's {settings.roles_claim} claim must be a list of strings.")
    return Principal(
        kind=SESSION, tenant_id=tenant, owner_type=USER, owner_id=subject, roles=frozenset(roles)
    )
