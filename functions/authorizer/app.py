"""The HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses) for API keys.

``Authorization: Bearer <key>`` (the identity source) -> ``{"isAuthorized": bool, "context": {...}}``
with the key's id, tenant, owner, scopes (space-separated) and environment (empty when tenant-wide).
A store fault raises, so API Gateway answers 500 and the request is never let through. No resolver
and no pydantic on its import path, like verify.
"""

from keysmith.http.function_entry import authorize

handler = authorize
