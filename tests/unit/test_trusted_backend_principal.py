"""The internal API's caller: how an event is told to be internal, the Keysmith-Tenant and
Keysmith-Act-As headers, and the principal they make (who it acts as, how it is recorded)."""

from __future__ import annotations

from typing import Any

import pytest

from keysmith.auth.trusted_backend import act_as_of, iam_caller, tenant_of, trusted_backend
from keysmith.domain import policy
from keysmith.domain.idempotency import record_id
from keysmith.domain.principals import SERVICE_ACCOUNT, TRUSTED_BACKEND, USER
from keysmith.domain.problems import Problem

ARN = "arn:aws:sts::123456789012:assumed-role/acme-backend/session-1"


def event_with(authorizer: Any) -> dict[str, Any]:
    return {"requestContext": {"http": {"method": "GET"}, "authorizer": authorizer}}


def test_an_event_with_the_iam_authorizer_context_names_its_caller() -> None:
    assert iam_caller(event_with({"iam": {"userArn": ARN, "accountId": "123456789012"}})) == ARN


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"requestContext": {}},
        event_with(None),
        event_with({"lambda": {"key_id": "k", "userArn": ARN}}),  # the Lambda authorizer's context
        event_with({"jwt": {"claims": {}}}),
    ],
)
def test_an_event_without_the_iam_context_is_not_internal(event: dict[str, Any]) -> None:
    assert iam_caller(event) is None


@pytest.mark.parametrize("identity", [{}, {"userArn": None}, {"userArn": ""}, {"userArn": "root"}, "x"])
def test_an_iam_context_without_an_arn_is_refused_not_trusted(identity: Any) -> None:
    with pytest.raises(Problem) as raised:
        iam_caller(event_with({"iam": identity}))
    assert raised.value.status == 401


def test_the_tenant_header_names_the_tenant() -> None:
    assert tenant_of("acme") == "acme"
    assert tenant_of("  acme  ") == "acme"


@pytest.mark.parametrize("value", [None, "", "   ", "acme corp", "#acme", "a#b", "x" * 129, "acme,other"])
def test_a_missing_or_malformed_tenant_header_is_400_naming_the_header(value: str | None) -> None:
    with pytest.raises(Problem) as raised:
        tenant_of(value)
    assert raised.value.slug == "malformed-request"
    assert "Keysmith-Tenant" in raised.value.detail
    assert raised.value.errors is None


def test_act_as_names_a_user_or_a_service_account() -> None:
    assert act_as_of(None) is None
    assert act_as_of("user:u_1") == (USER, "u_1")
    assert act_as_of("service_account:billing") == (SERVICE_ACCOUNT, "billing")
    assert act_as_of("user:auth0|abc:def") == (USER, "auth0|abc:def")


@pytest.mark.parametrize(
    "value", ["", "u_1", "user", "user:", ":u_1", "admin:u_1", "User:u_1", "user:a b", "user:#x", "api_key:k"]
)
def test_a_malformed_act_as_header_is_400_naming_the_header(value: str) -> None:
    with pytest.raises(Problem) as raised:
        act_as_of(value)
    assert raised.value.slug == "malformed-request"
    assert "Keysmith-Act-As" in raised.value.detail


def test_without_act_as_the_caller_is_an_admin_of_the_tenant_recorded_as_itself() -> None:
    principal = trusted_backend(ARN, "acme", None)
    assert principal.kind == TRUSTED_BACKEND
    assert principal.tenant_id == "acme"
    assert principal.is_admin
    assert principal.scopes is None and principal.has_scope("keys:write")
    assert principal.creator == ("iam", ARN)


def test_acting_as_a_user_it_is_that_user_and_not_an_admin() -> None:
    principal = trusted_backend(ARN, "acme", "user:u_1")
    assert (principal.owner_type, principal.owner_id) == (USER, "u_1")
    assert not principal.is_admin
    assert principal.creator == ("iam", ARN)
    assert policy.owner_for_new_key(principal, None) == (USER, "u_1")  # rule 3 satisfied
    with pytest.raises(Problem) as raised:
        policy.owner_for_new_key(principal, "billing")
    assert raised.value.status == 403


def test_acting_as_a_service_account_it_creates_keys_for_that_account_only() -> None:
    principal = trusted_backend(ARN, "acme", "service_account:billing")
    assert policy.owner_for_new_key(principal, None) == (SERVICE_ACCOUNT, "billing")
    assert policy.owner_for_new_key(principal, "billing") == (SERVICE_ACCOUNT, "billing")
    with pytest.raises(Problem) as raised:
        policy.owner_for_new_key(principal, "payroll")
    assert raised.value.status == 403


def test_as_the_admin_a_new_key_must_name_its_service_account() -> None:
    principal = trusted_backend(ARN, "acme", None)
    assert policy.owner_for_new_key(principal, "billing") == (SERVICE_ACCOUNT, "billing")
    with pytest.raises(Problem) as raised:
        policy.owner_for_new_key(principal, None)
    assert raised.value.slug == "validation-error"
    assert raised.value.errors is not None and raised.value.errors[0]["pointer"] == "/service_account_id"


def test_one_backend_acting_for_two_users_has_two_idempotency_namespaces() -> None:
    as_alice = trusted_backend(ARN, "acme", "user:alice")
    as_bob = trusted_backend(ARN, "acme", "user:bob")
    assert record_id(as_alice, "same") != record_id(as_bob, "same")
    assert record_id(as_alice, "same") == record_id(trusted_backend(ARN, "acme", "user:alice"), "same")
