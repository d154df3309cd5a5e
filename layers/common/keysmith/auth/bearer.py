"""``Authorization: Bearer <credential>``: the one parser, for the authorizer and the management API."""

from __future__ import annotations

from keysmith.domain.problems import unauthenticated

MAX_CREDENTIAL_LENGTH = 8192


def bearer_credential(value: str | None) -> str | None:
    """The credential of ``Bearer <credential>`` (scheme case-insensitive), or None."""
    if not value:
        return None
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential or " " in credential:
        return None
    return credential


def required_credential(value: str | None) -> str:
    """The credential of an ``Authorization`` header's value, or a 401 problem."""
    if value is None:
        raise unauthenticated("An Authorization: Bearer credential is required.")
    credential = bearer_credential(value)
    if credential is None:
        raise unauthenticated("The Authorization header must be 'Bearer <credential>'.")
    if len(credential) > MAX_CREDENTIAL_LENGTH:
        raise unauthenticated("The credential is too long.")
    return credential
