"""The HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses) for API keys.

``Authorization: Bearer <key>`` (the identity source) -> ``{"isAuthorized": bool, "context": {...}}``
with the key's id, tenant, owner, scopes (space-separated) and environment (empty when tenant-wide).
A store fault raises, so API Gateway answers 500 and the request is never let through; a lean
handler, like verify.
"""

from typing import Any

from keysmith.hotpath import get_verifier
from keysmith.lean import authorizer_context, http_context
from keysmith.logs import logger
from keysmith.problems import request_id_of
from keysmith.requests import bearer_credential, header

DENY: dict[str, Any] = {"isAuthorized": False}


def credential_of(event: dict[str, Any]) -> str | None:
    """The key of ``Authorization: Bearer <key>``; the identity source when headers are absent."""
    value = header(event, "authorization")
    if value is None:
        sources = event.get("identitySource")
        value = sources[0] if isinstance(sources, list) and sources and isinstance(sources[0], str) else None
    return bearer_credential(value)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    logger.set_correlation_id(request_id_of(event))
    verifier = get_verifier()
    result = verifier.verify(credential_of(event))  # StoreUnavailable propagates: 500, never allow
    record = result.record
    if not result.valid or record is None:
        logger.info("authorizer denied", code=result.code)
        return DENY
    http = http_context(event)
    verifier.record_use(record, http.get("sourceIp"), http.get("userAgent"))
    return {"isAuthorized": True, "context": authorizer_context(record)}
