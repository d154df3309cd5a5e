"""Trusted backends: AWS IAM principals calling the internal API.

Which API called is told one way only: API Gateway puts ``requestContext.authorizer.iam`` into the
event of a route whose authorization is AWS IAM, and only the internal API has such routes (every
one of its routes, none of the public API's). A client cannot write ``requestContext``, so a public
request can never pass for an internal one; its ``Keysmith-*`` headers are then plain headers that
nothing reads (the caller is whoever its Bearer credential says).

On the internal API the caller is the IAM principal (``userArn``), recorded as itself in
``created_by`` (``{"type": "iam", "id": <userArn>}``). It names whom it acts for:

- ``Keysmith-Tenant: <tenant_id>`` (required): the tenant it acts in; every rule holds inside it.
- ``Keysmith-Act-As: user:<id>`` or ``service_account:<id>`` (optional): without it the caller is
  an admin of the tenant; with it, it acts as that user (and may create that user's keys) or as
  that service account. It holds every scope either way.

A missing or malformed header is 400 ``malformed-request`` whose ``detail`` names the header (no
``errors`` member: a JSON Pointer points into the body or the query, never at a header).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keysmith.domain.grammar import IDENTIFIER, IDENTIFIER_RULE
from keysmith.domain.principals import ADMIN_ROLE, IAM, SERVICE_ACCOUNT, TRUSTED_BACKEND, USER, Principal
from keysmith.domain.problems import Problem

TENANT_HEADER = "Keysmith-Tenant"
ACT_AS_HEADER = "Keysmith-Act-As"
ACT_AS_TYPES = (USER, SERVICE_ACCOUNT)


def _iam_identity(event: Mapping[str, Any]) -> Any:
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    return authorizer.get("iam") if isinstance(authorizer, Mapping) else None


def through_internal_api(event: Mapping[str, Any]) -> bool:
    """True when the event came through the internal API: API Gateway adds ``authorizer.iam`` only
    on its AWS_IAM routes, only the internal API has those, and no client can set requestContext."""
    return _iam_identity(event) is not None


def iam_caller(event: Mapping[str, Any]) -> str | None:
    """The IAM ARN of the caller when the event came through the internal API, else None."""
    identity = _iam_identity(event)
    if identity is None:
        return None
    arn = identity.get("userArn") if isinstance(identity, Mapping) else None
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        # API Gateway always names a signed caller; refuse rather than act for nobody.
        raise Problem("unauthenticated", "The internal API's IAM caller could not be identified.")
    return arn


def _malformed(detail: str) -> Problem:
    return Problem("malformed-request", detail)


def tenant_of(value: str | None) -> str:
    """The tenant a ``Keysmith-Tenant`` header names, or a 400 problem."""
    if value is None or not value.strip():
        raise _malformed(f"The internal API needs the {TENANT_HEADER} header: the tenant the call acts in.")
    tenant = value.strip()
    if not IDENTIFIER.fullmatch(tenant):
        raise _malformed(f"The {TENANT_HEADER} header is not a tenant id. {IDENTIFIER_RULE}")
    return tenant


def act_as_of(value: str | None) -> tuple[str, str] | None:
    """(owner type, id) of a ``Keysmith-Act-As`` header, None when absent, or a 400 problem."""
    if value is None:
        return None
    kind, colon, identifier = value.strip().partition(":")
    if not colon or kind not in ACT_AS_TYPES or not IDENTIFIER.fullmatch(identifier):
        raise _malformed(
            f"The {ACT_AS_HEADER} header must be 'user:<id>' or 'service_account:<id>'; "
            f"the id: {IDENTIFIER_RULE}"
        )
    return kind, identifier


def trusted_backend(arn: str, tenant_header: str | None, act_as_header: str | None) -> Principal:
    """The principal of an internal call by ``arn`` with these header values (400 when malformed)."""
    tenant = tenant_of(tenant_header)
    act_as = act_as_of(act_as_header)
    if act_as is None:
        return Principal(
            kind=TRUSTED_BACKEND,
            tenant_id=tenant,
            owner_type=IAM,
            owner_id=arn,
            roles=frozenset({ADMIN_ROLE}),
            iam_arn=arn,
        )
    owner_type, owner_id = act_as
    return Principal(
        kind=TRUSTED_BACKEND, tenant_id=tenant, owner_type=owner_type, owner_id=owner_id, iam_arn=arn
    )
