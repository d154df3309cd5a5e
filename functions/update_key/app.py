"""PATCH /v1/api-keys/{id}: change name, description, metadata, scopes, expires_at or the
restrictions and limits (one write; an API-key caller's restriction change reads the key first, rule 7)."""

from typing import Annotated

from keysmith import wiring
from keysmith.clock import parse_rfc3339
from keysmith.domain import policy
from keysmith.domain.key_changes import KeyChanges
from keysmith.http.resolver_entry import (
    REQUIRED_BODY,
    Body,
    Response,
    current_principal,
    key_response,
    lambda_handler,
    new_router,
)
from keysmith.http.route_docs import answer, route_doc
from keysmith.http.schemas.fields import requested_limits
from keysmith.http.schemas.key_requests import UpdateKeyRequest

router = new_router()
DOC = route_doc(
    "Change an API key",
    "updateApiKey",
    {200: answer("The key as it is now.")},
    *(400, 401, 403, 404, 409, 413, 415, 422, 503),
    description=(
        "Only the fields sent change; at least one is required. Active and suspended keys can be "
        "changed; revoked and expired keys answer 409 `conflict`."
    ),
)


@router.patch("/v1/api-keys/<id>", **DOC)
def update_key(id: str, body: Annotated[UpdateKeyRequest, Body()]) -> Response[str]:
    principal = current_principal(router)
    changes = KeyChanges(
        given=frozenset(body.model_fields_set),
        name=body.name,
        description=body.description,
        scopes=tuple(body.scopes) if body.scopes is not None else None,
        metadata=body.metadata or {},
        expires_at=parse_rfc3339(body.expires_at) if body.expires_at is not None else None,
        limits=requested_limits(body),
        credits_remaining=body.credits.remaining if body.credits is not None else None,
    )
    record = wiring.lifecycle().update(principal, id, changes)
    return key_response(record)


handler = lambda_handler(router, rights=policy.may_change_keys, body=REQUIRED_BODY, metric="KeysUpdated")
