"""Turning a request's Bearer credential into a Principal.

A credential with two dots is a session JWT (``keysmith.auth.sessions``), unless it starts as this
deploy's JWT keys do (``jwt_key.fixed_start``); anything else is tried as an API key through the
verification core (one read). A JWT key is never tried as a session, nor a session as a key. A key
caller's use is recorded as last-used (throttled).
"""

from __future__ import annotations

from keysmith import wiring
from keysmith.auth.bearer import required_credential
from keysmith.domain import jwt_key
from keysmith.domain.principals import API_KEY, Principal
from keysmith.domain.problems import unauthenticated
from keysmith.domain.verdicts import NOT_FOUND

_KEY_FAILURES = {
    "MALFORMED": "The API key is malformed.",
    NOT_FOUND: "The API key is not known.",
    "EXPIRED": "The API key has expired.",
    "SUSPENDED": "The API key is suspended.",
    "REVOKED": "The API key has been revoked.",
    "NOT_YET_VALID": "The API key is not valid yet (not_before).",
    "IP_NOT_ALLOWED": "The API key may not be used from this address.",
    "RATE_LIMITED": "The API key's rate limit is used up for now.",
    "USAGE_EXCEEDED": "The API key has no credits left.",
}


def is_jwt_key(credential: str) -> bool:
    """True when ``credential`` starts as every JWT key of this deploy does."""
    return credential.startswith(jwt_key.fixed_start(wiring.settings().token_prefix))


def authenticate(authorization: str | None, source_ip: str | None, user_agent: str | None) -> Principal:
    """The principal of an ``Authorization`` header's value, or a 401 (503 on a store fault)."""
    credential = required_credential(authorization)
    if credential.count(".") == 2 and not is_jwt_key(credential):
        # PyJWT and cryptography load with the first session a process sees, not at its start:
        # callers with API keys (and the internal API's IAM callers) never need them.
        from keysmith.auth.sessions import session_verifier

        return session_verifier().verify(credential)
    verifier = wiring.verifier()
    result = verifier.verify(credential, client_ip=source_ip, user_agent=user_agent)
    if not result.valid or result.record is None:
        raise unauthenticated(_KEY_FAILURES.get(result.code, "The API key is not valid."))
    record = result.record
    verifier.record_use(record, source_ip, user_agent)
    return Principal(
        kind=API_KEY,
        tenant_id=record.tenant_id,
        owner_type=record.owner_type,
        owner_id=record.owner_id,
        scopes=frozenset(record.scopes),
        key_id=record.id,
        environment_id=record.environment_id,
    )
