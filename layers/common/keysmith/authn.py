"""Turning a request's ``Authorization: Bearer <credential>`` into a Principal.

A credential with two dots is a session JWT; anything else is tried as an API key through the
verification core (one read). A key caller's use is recorded as last-used (throttled).
"""

from __future__ import annotations

from collections.abc import Mapping

from keysmith.principals import API_KEY, Principal
from keysmith.problems import unauthenticated
from keysmith.requests import bearer_credential
from keysmith.runtime import Runtime
from keysmith.verification import NOT_FOUND

_KEY_FAILURES = {
    "MALFORMED": "The API key is malformed.",
    NOT_FOUND: "The API key is not known.",
    "EXPIRED": "The API key has expired.",
    "SUSPENDED": "The API key is suspended.",
    "REVOKED": "The API key has been revoked.",
}
MAX_CREDENTIAL_LENGTH = 8192


def bearer(headers: Mapping[str, str]) -> str:
    """The credential of an ``Authorization: Bearer`` header, or a 401 problem."""
    value = headers.get("authorization")
    if value is None:
        raise unauthenticated("An Authorization: Bearer credential is required.")
    credential = bearer_credential(value)
    if credential is None:
        raise unauthenticated("The Authorization header must be 'Bearer <credential>'.")
    if len(credential) > MAX_CREDENTIAL_LENGTH:
        raise unauthenticated("The credential is too long.")
    return credential


def authenticate(
    runtime: Runtime, headers: Mapping[str, str], source_ip: str | None, user_agent: str | None
) -> Principal:
    credential = bearer(headers)
    if credential.count(".") == 2:
        return runtime.sessions.verify(credential)
    result = runtime.verifier.verify(credential)
    if not result.valid or result.record is None:
        raise unauthenticated(_KEY_FAILURES.get(result.code, "The API key is not valid."))
    record = result.record
    runtime.verifier.record_use(record, source_ip, user_agent)
    return Principal(
        kind=API_KEY,
        tenant_id=record.tenant_id,
        owner_type=record.owner_type,
        owner_id=record.owner_id,
        scopes=frozenset(record.scopes),
        key_id=record.id,
        environment_id=record.environment_id,
    )
