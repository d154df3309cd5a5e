"""The internal API's trusted backend, in-process on moto and on DynamoDB Local: the events carry
``requestContext.authorizer.iam`` as API Gateway sends them for an AWS IAM route, with the
``Keysmith-Tenant`` and ``Keysmith-Act-As`` headers.

Who it is (the tenant's admin, a named user, a named service account), how it is recorded
(``created_by`` ``iam``), that every rule still holds inside the named tenant, that verify needs no
tenant header, and that the public API ignores these headers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import Api, Reply, handler_for, make_event

ARN = "arn:aws:sts::123456789012:assumed-role/acme-backend/acme-backend"
OTHER_ARN = "arn:aws:iam::123456789012:user/operator"
IAM_CREATOR = {"type": "iam", "id": ARN}


def internal(
    method: str,
    path: str,
    *,
    tenant: str | None = "acme",
    act_as: str | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    arn: str = ARN,
    signed: bool = True,
) -> Reply:
    """A request through the internal API (``/internal`` locally), with the event the gateway
    builds for it; ``arn`` is the signing caller it names. ``signed=False`` drops the IAM identity:
    the same request as a function would see it from anywhere else."""
    all_headers = dict(headers or {})
    if tenant is not None:
        all_headers["keysmith-tenant"] = tenant
    if act_as is not None:
        all_headers["keysmith-act-as"] = act_as
    body = None
    if json_body is not None:
        body = json.dumps(json_body)
        all_headers["content-type"] = "application/json"
    event = make_event(method, "/internal" + path, headers=all_headers, body=body)
    if signed:
        event["requestContext"]["authorizer"]["iam"]["userArn"] = arn
    else:
        del event["requestContext"]["authorizer"]
    result = handler_for(method, "/internal" + path)(event, None)
    return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


def created(reply: Reply) -> dict[str, Any]:
    assert reply.status == 201, reply.text
    return dict(reply.body)


def session_key(api: Api, user: str, tenant: str = "acme", **body: Any) -> dict[str, Any]:
    token = api.session(user, tenant)
    return created(api.request("POST", "/v1/api-keys", token=token, json_body={"name": "pat", **body}))


def assert_problem(reply: Reply, status: int, slug: str) -> dict[str, Any]:
    assert reply.status == status, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.body
    assert body["type"] == f"urn:keysmith:problem:{slug}"
    assert body["status"] == status
    assert body["request_id"] == reply.header("X-Request-Id")
    return body


# --- the headers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/api-keys", None),
        ("POST", "/v1/api-keys", {"name": "k", "service_account_id": "billing"}),
        ("GET", "/v1/api-keys/3c90c3cc-0d44-8b50-a888-8dd25736052a", None),
    ],
)
def test_without_keysmith_tenant_an_internal_call_is_400(api: Api, method: str, path: str, body: Any) -> None:
    problem = assert_problem(internal(method, path, tenant=None, json_body=body), 400, "malformed-request")
    assert "Keysmith-Tenant" in problem["detail"]
    assert "errors" not in problem
    assert problem["instance"] == path


@pytest.mark.parametrize("tenant", ["", "acme corp", "acme#x", "x" * 129])
def test_a_malformed_keysmith_tenant_is_400(api: Api, tenant: str) -> None:
    problem = assert_problem(internal("GET", "/v1/api-keys", tenant=tenant), 400, "malformed-request")
    assert "Keysmith-Tenant" in problem["detail"]


@pytest.mark.parametrize("act_as", ["", "alice", "user:", "admin:alice", "user:a b", "service_account:"])
def test_a_malformed_keysmith_act_as_is_400_and_nothing_is_created(api: Api, act_as: str) -> None:
    reply = internal("POST", "/v1/api-keys", act_as=act_as, json_body={"name": "k"})
    problem = assert_problem(reply, 400, "malformed-request")
    assert "Keysmith-Act-As" in problem["detail"]
    listing = internal("GET", "/v1/api-keys")
    assert listing.status == 200 and listing.body["items"] == []


# --- the tenant's admin (no Act-As) ---------------------------------------------------------------


def test_without_act_as_it_is_an_admin_of_the_tenant(api: Api) -> None:
    alice = session_key(api, "alice")
    bob = session_key(api, "bob")
    service = created(
        internal("POST", "/v1/api-keys", json_body={"name": "billing", "service_account_id": "billing"})
    )
    assert service["owner"] == {"type": "service_account", "id": "billing"}
    assert service["created_by"] == IAM_CREATOR
    assert service["tenant_id"] == "acme"
    assert service["key"].startswith("ks_")

    listing = internal("GET", "/v1/api-keys")
    assert listing.status == 200
    assert {item["id"] for item in listing.body["items"]} == {alice["id"], bob["id"], service["id"]}
    assert all("key" not in item for item in listing.body["items"])

    assert internal("GET", f"/v1/api-keys/{alice['id']}").body["owner"] == {"type": "user", "id": "alice"}
    suspended = internal("POST", f"/v1/api-keys/{alice['id']}/suspend")
    assert suspended.status == 200 and suspended.body["status"] == "suspended"
    renamed = internal("PATCH", f"/v1/api-keys/{bob['id']}", json_body={"name": "renamed by the backend"})
    assert renamed.status == 200 and renamed.body["name"] == "renamed by the backend"
    assert internal("POST", f"/v1/api-keys/{bob['id']}/revoke").body["status"] == "revoked"


def test_a_trusted_backends_changes_are_audited_with_its_iam_arn_as_the_actor(api: Api) -> None:
    alice = session_key(api, "alice")
    assert internal("POST", f"/v1/api-keys/{alice['id']}/suspend").status == 200
    listing = internal("GET", "/v1/audit-events", headers=None)
    assert listing.status == 200, listing.text
    suspend, create = listing.body["items"]
    assert (suspend["action"], suspend["key_id"]) == ("suspend", alice["id"])
    assert suspend["actor"] == IAM_CREATOR
    assert create["actor"] == {"type": "user", "id": "alice"}
    acting = internal("GET", "/v1/audit-events", act_as="user:alice")
    assert [e["action"] for e in acting.body["items"]] == ["suspend", "create"]
    assert internal("GET", "/v1/audit-events", act_as="user:bob").body["items"] == []


def test_as_the_admin_a_key_without_a_service_account_is_422_pointing_at_it(api: Api) -> None:
    problem = assert_problem(
        internal("POST", "/v1/api-keys", json_body={"name": "whose?"}), 422, "validation-error"
    )
    assert problem["errors"][0]["pointer"] == "/service_account_id"
    assert "Keysmith-Act-As" in problem["errors"][0]["detail"]


def test_the_admin_holds_every_scope_and_rotation_records_it_as_the_creator(api: Api) -> None:
    key = created(
        internal(
            "POST",
            "/v1/api-keys",
            json_body={"name": "ci", "service_account_id": "ci", "scopes": ["read", "write"]},
        )
    )
    assert key["scopes"] == ["read", "write"]
    successor = internal(
        "POST", f"/v1/api-keys/{key['id']}/rotate", json_body={"grace_period_seconds": 0}, arn=OTHER_ARN
    )
    assert successor.status == 201, successor.text
    assert successor.body["created_by"] == {"type": "iam", "id": OTHER_ARN}
    assert successor.body["rotated_from"] == key["id"]


# --- acting as a user -----------------------------------------------------------------------------


def test_acting_as_a_user_it_creates_that_users_key_recorded_as_the_iam_caller(api: Api) -> None:
    key = created(internal("POST", "/v1/api-keys", act_as="user:alice", json_body={"name": "alice's token"}))
    assert key["owner"] == {"type": "user", "id": "alice"}
    assert key["created_by"] == IAM_CREATOR
    # The user herself sees it with her own session, as one of her personal access tokens.
    alice = api.session("alice", "acme")
    mine = api.request("GET", "/v1/api-keys", token=alice)
    assert [item["id"] for item in mine.body["items"]] == [key["id"]]
    assert mine.body["items"][0]["created_by"] == IAM_CREATOR
    # And the key is hers wherever it is checked.
    verdict = internal("POST", "/v1/verify", tenant=None, json_body={"key": key["key"]})
    assert verdict.body["valid"] is True
    assert verdict.body["key"]["owner"] == {"type": "user", "id": "alice"}


def test_acting_as_a_user_it_sees_and_changes_only_that_users_keys(api: Api) -> None:
    alice = session_key(api, "alice")
    bob = session_key(api, "bob")
    listing = internal("GET", "/v1/api-keys", act_as="user:alice")
    assert [item["id"] for item in listing.body["items"]] == [alice["id"]]
    assert internal("GET", f"/v1/api-keys/{bob['id']}", act_as="user:alice").status == 404
    assert_problem(
        internal("POST", f"/v1/api-keys/{bob['id']}/revoke", act_as="user:alice"), 404, "not-found"
    )
    assert internal("POST", f"/v1/api-keys/{alice['id']}/revoke", act_as="user:alice").status == 200


def test_acting_as_a_user_it_cannot_create_service_account_keys(api: Api) -> None:
    reply = internal(
        "POST", "/v1/api-keys", act_as="user:alice", json_body={"name": "k", "service_account_id": "billing"}
    )
    assert_problem(reply, 403, "forbidden")


def test_one_idempotency_key_for_two_users_makes_two_keys(api: Api) -> None:
    headers = {"idempotency-key": "signup-42"}
    body = {"name": "first token"}
    first = created(internal("POST", "/v1/api-keys", act_as="user:alice", json_body=body, headers=headers))
    second = created(internal("POST", "/v1/api-keys", act_as="user:bob", json_body=body, headers=headers))
    assert first["id"] != second["id"]
    assert second["owner"] == {"type": "user", "id": "bob"}
    replay = internal("POST", "/v1/api-keys", act_as="user:alice", json_body=body, headers=headers)
    assert replay.status == 200 and replay.body["id"] == first["id"] and "key" not in replay.body


# --- acting as a service account ------------------------------------------------------------------


def test_acting_as_a_service_account_it_creates_and_sees_only_that_accounts_keys(api: Api) -> None:
    alice = session_key(api, "alice")
    billing = created(
        internal("POST", "/v1/api-keys", act_as="service_account:billing", json_body={"name": "b"})
    )
    assert billing["owner"] == {"type": "service_account", "id": "billing"}
    assert billing["created_by"] == IAM_CREATOR
    listing = internal("GET", "/v1/api-keys", act_as="service_account:billing")
    assert [item["id"] for item in listing.body["items"]] == [billing["id"]]
    assert internal("GET", f"/v1/api-keys/{alice['id']}", act_as="service_account:billing").status == 404
    other_account = {"name": "k", "service_account_id": "payroll"}
    reply = internal("POST", "/v1/api-keys", act_as="service_account:billing", json_body=other_account)
    assert_problem(reply, 403, "forbidden")


# --- every rule inside the named tenant -------------------------------------------------------------


@pytest.mark.parametrize("act_as", [None, "user:alice", "service_account:billing"])
def test_another_tenants_key_is_404_and_never_listed(api: Api, act_as: str | None) -> None:
    theirs = session_key(api, "alice", tenant="globex")
    theirs_sa = created(
        api.request(
            "POST",
            "/v1/api-keys",
            token=api.session("root", "globex", ["admin"]),
            json_body={"name": "sa", "service_account_id": "billing"},
        )
    )
    for key in (theirs, theirs_sa):
        path = f"/v1/api-keys/{key['id']}"
        assert_problem(internal("GET", path, act_as=act_as), 404, "not-found")
        assert_problem(internal("PATCH", path, act_as=act_as, json_body={"name": "x"}), 404, "not-found")
        assert_problem(internal("POST", f"{path}/revoke", act_as=act_as), 404, "not-found")
        assert_problem(internal("DELETE", path, act_as=act_as), 404, "not-found")
    assert internal("GET", "/v1/api-keys", act_as=act_as).body["items"] == []
    # Naming their tenant is what reaches their keys: the header is the tenant, nothing else.
    assert internal("GET", f"/v1/api-keys/{theirs['id']}", tenant="globex", act_as=act_as).status == (
        404 if act_as == "service_account:billing" else 200
    )


# --- verify -------------------------------------------------------------------------------------------


def test_verify_on_the_internal_api_needs_no_tenant_header_and_answers_as_on_the_root(api: Api) -> None:
    key = session_key(api, "alice", scopes=["read"])
    body = {"key": key["key"], "required_scopes": ["read"]}
    through_internal = internal("POST", "/v1/verify", tenant=None, json_body=body)
    unsigned = internal("POST", "/v1/verify", tenant=None, json_body=body, signed=False)
    assert through_internal.status == unsigned.status == 200
    assert through_internal.body == unsigned.body
    assert through_internal.body["valid"] is True
    assert through_internal.body["key"]["tenant_id"] == "acme"
    # A tenant header naming another tenant changes nothing: the key names its tenant.
    elsewhere = internal("POST", "/v1/verify", tenant="globex", act_as="user:bob", json_body=body)
    assert elsewhere.body == through_internal.body
    bad = internal("POST", "/v1/verify", tenant=None, json_body={"key": key["key"] + "x"})
    assert bad.status == 200 and bad.body == {"valid": False, "code": "MALFORMED"}


# --- the public API ignores the headers ------------------------------------------------------------------


def test_on_the_public_api_the_keysmith_headers_are_ignored(api: Api) -> None:
    theirs = session_key(api, "mallory", tenant="globex")
    alice = api.session("alice", "acme")
    headers = {"keysmith-tenant": "globex", "keysmith-act-as": "user:mallory"}
    assert api.request("GET", f"/v1/api-keys/{theirs['id']}", token=alice, headers=headers).status == 404
    assert api.request("GET", "/v1/api-keys", token=alice, headers=headers).body["items"] == []
    mine = api.request("POST", "/v1/api-keys", token=alice, headers=headers, json_body={"name": "pat"})
    assert mine.status == 201
    assert mine.body["owner"] == {"type": "user", "id": "alice"} and mine.body["tenant_id"] == "acme"
    assert mine.body["created_by"] == {"type": "user", "id": "alice"}
    # Without a Bearer credential the headers grant nothing.
    anonymous = api.request("GET", "/v1/api-keys", headers=headers)
    assert_problem(anonymous, 401, "unauthenticated")
