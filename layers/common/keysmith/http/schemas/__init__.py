"""pydantic models of request bodies, query parameters and responses: the only package that imports
pydantic (management functions only; never on the verification path).

- ``fields``: the shared field rules and the OpenAPI extras
- ``key_requests``: the bodies of create, PATCH and rotate
- ``resources``: the response shapes (ApiKey, its list, problem details)
- ``audit_events``: the audit event, its list and the ``action`` filter (imported from there by its
  one route, so no other function's cold start builds them)
"""

from keysmith.http.schemas.fields import ListStatus, OwnerType, requested_limits
from keysmith.http.schemas.key_requests import CreateKeyRequest, RotateKeyRequest, UpdateKeyRequest
from keysmith.http.schemas.resources import (
    Answer,
    ApiKey,
    ApiKeyList,
    AvailableActions,
    CreatedApiKey,
    Creator,
    Owner,
    ProblemDetails,
    ProblemError,
    json_content,
)

__all__ = [
    "Answer",
    "ApiKey",
    "ApiKeyList",
    "AvailableActions",
    "CreateKeyRequest",
    "CreatedApiKey",
    "Creator",
    "ListStatus",
    "Owner",
    "OwnerType",
    "ProblemDetails",
    "ProblemError",
    "RotateKeyRequest",
    "UpdateKeyRequest",
    "json_content",
    "requested_limits",
]
