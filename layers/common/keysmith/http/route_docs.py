"""The OpenAPI details of a management route, for its decorator::

    @router.get("/v1/api-keys/<id>", **route_doc("Get an API key", "getApiKey", {200: answer(...)}, 401, 404))

Each problem status a route can give is documented once here (``PROBLEM_STATUSES``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keysmith.http.answers import PROBLEM_CONTENT_TYPE
from keysmith.http.schemas.resources import ApiKey, ProblemDetails, json_content

if TYPE_CHECKING:  # the resolver's type only: the resolver itself is imported by resolver_entry alone
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

PROBLEM_STATUSES = {
    400: "Malformed request (not JSON, not an object, bad cursor or query).",
    401: "Missing or invalid credential.",
    403: "The credential lacks the right.",
    404: "No such key for this caller.",
    409: "The action is not available in the key's current status.",
    413: "Body over 16 KiB.",
    415: "Body without Content-Type: application/json.",
    422: "A field breaks a rule; see errors.",
    503: "The store throttled or failed; retry after Retry-After seconds.",
}


def problem_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` entries for the problem answers a route can give."""
    return {
        status: {
            "description": PROBLEM_STATUSES[status],
            "content": json_content(ProblemDetails, PROBLEM_CONTENT_TYPE),
        }
        for status in statuses
    }


def answer(description: str, model: Any = ApiKey) -> OpenAPIResponse:
    """An OpenAPI ``responses`` entry for a JSON answer (by default an ApiKey)."""
    return {"description": description, "content": json_content(model)}


def route_doc(
    summary: str,
    operation_id: str,
    answers: dict[int, OpenAPIResponse],
    *problem_statuses: int,
    description: str | None = None,
    tag: str = "api-keys",
) -> dict[str, Any]:
    """The OpenAPI details of a route, for its decorator: ``@router.get(path, **route_doc(...))``."""
    doc: dict[str, Any] = {"summary": summary, "operation_id": operation_id, "tags": [tag]}
    if description is not None:
        doc["description"] = description
    doc["responses"] = {**answers, **problem_responses(*problem_statuses)}
    return doc


def state_change_doc(summary: str, operation_id: str, done: str) -> dict[str, Any]:
    """``route_doc`` of suspend, activate and revoke: the key as it is now, or 409 by its status."""
    return route_doc(
        summary,
        operation_id,
        {200: answer(f"{done}: the key as it is now.")},
        401,
        403,
        404,
        409,
        503,
        description="409 `conflict` when the key's status does not allow it (see `available_actions`).",
    )
