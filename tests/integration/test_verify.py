"""POST /v1/verify, the Lambda authorizer and GET /v1/whoami through their handlers, on moto and on
DynamoDB Local: every code, the body rules, last-used (defaults, window, races, failures), the
request budget counted at the client, store faults, and the optional cache."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from keysmith import wiring
from keysmith.domain import key_format as tokens
from keysmith.domain.api_key import REVOKED, SUSPENDED
from keysmith.domain.ports import StoreUnavailable
from keysmith.store.keys import KeyStore
from local.dynamo_calls import counting
from tests.hardening import FaultInjector, capture_logs
from tests.helpers import Api, Reply, handler_of

PROBLEM_TYPE = "urn:keysmith:problem:"
KEY_FIELDS = {"id", "tenant_id", "owner", "scopes", "environment_id", "expires_at", "metadata"}


# --- helpers ----------------------------------------------------------------------------------------


def create(api: Api, **body: Any) -> dict[str, Any]:
    token = api.session("u_1", "acme", ["admin"])
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "svc", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def verify(api: Api, body: Any) -> Reply:
    return api.request("POST", "/v1/verify", json_body=body)


def fetch(api: Api, key_id: str) -> dict[str, Any]:
    reply = api.request("GET", f"/v1/api-keys/{key_id}", token=api.session("u_1", "acme", ["admin"]))
    assert reply.status == 200, reply.text
    return dict(reply.body)


def set_item(api: Api, key_id: str, **values: dict[str, str]) -> None:
    """Change the stored item directly (as another container or an operator would)."""
    api.parts.store.update(key_id, set_values=values, condition="attribute_exists(id)")


def authorizer_event(authorization: str | None, *, source_ip: str = "198.51.100.4") -> dict[str, Any]:
    """The REQUEST event (payload 2.0) API Gateway sends a Lambda authorizer."""
    headers = {"user-agent": "partner-sdk/2.1", "host": "api.example.com"}
    if authorization is not None:
        headers["authorization"] = authorization
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/v1/whoami",
        "identitySource": [authorization] if authorization is not None else [],
        "routeKey": "GET /v1/whoami",
        "rawPath": "/v1/whoami",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "api.example.com",
            "http": {
                "method": "GET",
                "path": "/v1/whoami",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "partner-sdk/2.1",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "GET /v1/whoami",
            "stage": "$default",
        },
    }


def authorize(authorization: str | None, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler_of("authorizer")(authorizer_event(authorization, **kwargs), None)
    return result


def whoami(context: dict[str, Any] | None) -> Reply:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "GET /v1/whoami",
        "rawPath": "/v1/whoami",
        "headers": {},
        "requestContext": {"requestId": str(uuid.uuid4()), "http": {"method": "GET", "path": "/v1/whoami"}},
    }
    if context is not None:
        event["requestContext"]["authorizer"] = {"lambda": context}
    result = handler_of("whoami")(event, None)
    return Reply(int(result["statusCode"]), dict(result["headers"]), result.get("body") or "")


# --- every code ----------------------------------------------------------------------------------------


def test_a_valid_key_answers_its_principal(api: Api) -> None:
    created = create(
        api,
        scopes=["read", "write"],
        environment_id="env_prod",
        metadata={"team": "billing"},
        expires_in_seconds=3600,
    )
    reply = verify(api, {"key": created["key"], "required_scopes": ["write"], "environment_id": "env_prod"})
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Cache-Control") == "no-store"
    assert reply.header("X-Request-Id")
    assert reply.body == {
        "valid": True,
        "code": "VALID",
        "key": {
            "id": created["id"],
            "tenant_id": "acme",
            "owner": {"type": "user", "id": "u_1"},
            "scopes": ["read", "write"],
            "environment_id": "env_prod",
            "expires_at": created["expires_at"],
            "metadata": {"team": "billing"},
        },
    }
    assert created["key"] not in reply.text


def _expire(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], expires_at={"N": str(int(time.time()) - 1)})


def _suspend(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], status={"S": SUSPENDED}, suspended_at={"N": str(int(time.time()))})


def _revoke(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], status={"S": REVOKED}, revoked_at={"N": str(int(time.time()))})


CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("MALFORMED", None, {"key": "ks_not-a-key"}),
    ("MALFORMED", None, {"key": ""}),
    ("NOT_FOUND", "unknown", {}),
    ("EXPIRED", _expire, {}),
    ("SUSPENDED", _suspend, {}),
    ("REVOKED", _revoke, {}),
    ("INSUFFICIENT_SCOPE", None, {"required_scopes": ["write"]}),
    ("WRONG_ENVIRONMENT", None, {"environment_id": "env_dev"}),
]


@pytest.mark.parametrize(("code", "arrange", "body"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_invalid_code_is_200_with_the_code_alone(
    api: Api, code: str, arrange: Any, body: dict[str, Any]
) -> None:
    created = create(api, scopes=["read"], environment_id="env_prod")
    key = tokens.generate("ks") if arrange == "unknown" else created["key"]
    if callable(arrange):
        arrange(api, created)
    reply = verify(api, {"key": key, **body})
    assert reply.status == 200, reply.text
    assert reply.body == {"valid": False, "code": code}
    assert fetch(api, created["id"])["last_used_at"] is None  # only VALID records a use


def test_a_tenant_wide_key_is_valid_in_any_environment(api: Api) -> None:
    created = create(api)
    assert verify(api, {"key": created["key"], "environment_id": "env_anything"}).body["code"] == "VALID"


def test_optional_fields_accept_null_as_absent(api: Api) -> None:
    created = create(api)
    body = {
        "key": created["key"],
        "required_scopes": None,
        "environment_id": None,
        "client_ip": None,
        "user_agent": None,
    }
    assert verify(api, body).body["code"] == "VALID"


# --- the body rules -----------------------------------------------------------------------------------


def assert_problem(reply: Reply, status: int, slug: str, pointer: str | None = None) -> None:
    assert reply.status == status, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.body
    assert body["type"] == PROBLEM_TYPE + slug and body["status"] == status
    assert body["instance"] == "/v1/verify"
    assert body["request_id"] == reply.header("X-Request-Id")
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body


def test_an_oversized_body_is_413(api: Api) -> None:
    reply = api.request(
        "POST",
        "/v1/verify",
        body='{"key": "' + "x" * 17000 + '"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(reply, 413, "payload-too-large")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_415(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    assert_problem(
        api.request("POST", "/v1/verify", body='{"key": "x"}', headers=headers), 415, "unsupported-media-type"
    )


@pytest.mark.parametrize("text", ["", "{", "[]", '"ks_x"', "null", '{"key": NaN}', "[" * 40 + "]" * 40])
def test_a_body_that_is_not_a_json_object_is_400(api: Api, text: str) -> None:
    reply = api.request("POST", "/v1/verify", body=text, headers={"content-type": "application/json"})
    assert_problem(reply, 400, "malformed-request")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/key"),
        ({"key": None}, "/key"),
        ({"key": 42}, "/key"),
        ({"key": ["ks_x"]}, "/key"),
        ({"key": "ks_x", "scopes": ["read"]}, "/scopes"),
        ({"key": "ks_x", "required_scopes": "read"}, "/required_scopes"),
        ({"key": "ks_x", "required_scopes": [1]}, "/required_scopes/0"),
        ({"key": "ks_x", "required_scopes": ["read", ""]}, "/required_scopes/1"),
        ({"key": "ks_x", "required_scopes": ["read"] * 65}, "/required_scopes"),
        ({"key": "ks_x", "environment_id": "env prod"}, "/environment_id"),
        ({"key": "ks_x", "environment_id": 7}, "/environment_id"),
        ({"key": "ks_x", "client_ip": "not-an-ip"}, "/client_ip"),
        ({"key": "ks_x", "client_ip": "203.0.113.300"}, "/client_ip"),
        ({"key": "ks_x", "client_ip": 3405803783}, "/client_ip"),
        ({"key": "ks_x", "user_agent": 5}, "/user_agent"),
        ({"key": "ks_x", "a/b": 1}, "/a~1b"),
    ],
)
def test_a_broken_field_rule_is_422_with_a_pointer(api: Api, body: dict[str, Any], pointer: str) -> None:
    assert_problem(verify(api, body), 422, "validation-error", pointer)


def test_every_broken_rule_is_reported_at_once(api: Api) -> None:
    reply = verify(api, {"required_scopes": "x", "client_ip": "nope", "extra": True})
    assert_problem(reply, 422, "validation-error")
    assert sorted(e["pointer"] for e in reply.body["errors"]) == [
        "/client_ip",
        "/extra",
        "/key",
        "/required_scopes",
    ]


# --- last used ----------------------------------------------------------------------------------------


def test_last_used_defaults_to_the_verify_requests_own_ip_and_user_agent(api: Api) -> None:
    created = create(api)
    assert verify(api, {"key": created["key"]}).body["valid"] is True
    seen = fetch(api, created["id"])
    assert seen["last_used_ip"] == "203.0.113.9"  # the event's requestContext.http.sourceIp
    assert seen["last_used_user_agent"] == "keysmith-tests/1.0"
    assert seen["last_used_at"] is not None


def test_the_callers_client_ip_and_user_agent_win(api: Api) -> None:
    created = create(api)
    body = {"key": created["key"], "client_ip": "2001:DB8::0:1", "user_agent": "curl/8.5"}
    assert verify(api, body).body["valid"] is True
    seen = fetch(api, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("2001:db8::1", "curl/8.5")


def test_last_used_is_written_at_most_once_per_window(make_api: Any) -> None:
    api = make_api(last_used_resolution_seconds=60)
    created = create(api)
    client = api.parts.store.client
    with counting(client) as first:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.1"}).body["valid"]
    with counting(client) as second:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.2"}).body["valid"]
    assert (first, second) == (["GetItem", "UpdateItem"], ["GetItem"])
    assert fetch(api, created["id"])["last_used_ip"] == "192.0.2.1"
    with wiring.replace(now=lambda: time.time() + 61), counting(client) as later:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.3"}).body["valid"]
    assert later == ["GetItem", "UpdateItem"]
    assert fetch(api, created["id"])["last_used_ip"] == "192.0.2.3"


def test_containers_that_all_read_before_any_writes_write_once_between_them(api: Api) -> None:
    created = create(api)
    settings = api.parts.settings
    containers = [
        wiring.build_verifier(settings, KeyStore(api.parts.store.client, settings.table_name))
        for _ in range(4)
    ]
    seen = [c.verify(created["key"]) for c in containers]  # every container read "never used"
    assert all(s.valid and s.record is not None and s.record.last_used_at is None for s in seen)
    outcomes = [
        c.record_use(s.record, f"10.0.0.{i}", "race")  # type: ignore[arg-type]
        for i, (c, s) in enumerate(zip(containers, seen, strict=True))
    ]
    assert outcomes == [True, False, False, False]  # the condition on last_used_at refused the rest
    assert fetch(api, created["id"])["last_used_ip"] == "10.0.0.0"


# On the real engine only: moto does not apply conditional writes atomically under threads.
@pytest.mark.parametrize("dynamodb", ["ddblocal"], indirect=True)
def test_concurrent_containers_race_and_one_write_lands(api: Api) -> None:
    created = create(api)
    settings = api.parts.settings
    containers = [
        wiring.build_verifier(settings, KeyStore(api.parts.store.client, settings.table_name))
        for _ in range(8)
    ]
    seen = [c.verify(created["key"]) for c in containers]
    barrier = threading.Barrier(len(containers))
    outcomes: list[bool] = []

    def use(index: int) -> None:
        barrier.wait()
        record = seen[index].record
        assert record is not None
        outcomes.append(containers[index].record_use(record, f"10.0.0.{index}", "race"))

    threads = [threading.Thread(target=use, args=(i,)) for i in range(len(containers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * (len(containers) - 1) + [True]


def test_a_failed_last_used_write_still_answers_valid(api: Api) -> None:
    created = create(api)
    with (
        capture_logs() as lines,
        FaultInjector(api.parts.store.client, "UpdateItem", "throughput").active(),
    ):
        reply = verify(api, {"key": created["key"]})
    assert reply.status == 200 and reply.body["code"] == "VALID"
    assert any("last-used write failed" in line for line in lines)
    assert fetch(api, created["id"])["last_used_at"] is None


def test_the_plaintext_is_never_logged(api: Api) -> None:
    created = create(api)
    with capture_logs() as lines:
        verify(api, {"key": created["key"]})
        verify(api, {"key": created["key"], "required_scopes": ["write"]})
        authorize(f"Bearer {created['key']}")
        set_item(api, created["id"], status={"S": SUSPENDED})
        authorize(f"Bearer {created['key']}")
    assert not [line for line in lines if created["key"] in line or created["key"][-20:] in line]


# --- the request budget --------------------------------------------------------------------------------


def test_the_request_budget_of_verify_and_the_authorizer(api: Api) -> None:
    created = create(api)
    client = api.parts.store.client
    budget: dict[str, list[str]] = {}
    with counting(client) as budget["verify first"]:
        verify(api, {"key": created["key"]})
    with counting(client) as budget["verify again"]:
        verify(api, {"key": created["key"]})
    with counting(client) as budget["verify scope refused"]:
        verify(api, {"key": created["key"], "required_scopes": ["write"]})
    with counting(client) as budget["verify malformed"]:
        verify(api, {"key": created["key"][:-1] + "0"})
    with counting(client) as budget["verify unknown"]:
        verify(api, {"key": tokens.generate("ks")})
    with counting(client) as budget["verify 422"]:
        verify(api, {"key": 1})
    with counting(client) as budget["authorizer"]:
        authorize(f"Bearer {created['key']}")
    with counting(client) as budget["authorizer malformed"]:
        authorize("Bearer nope")
    with counting(client) as budget["whoami"]:
        whoami(
            {
                "key_id": created["id"],
                "tenant_id": "acme",
                "owner_type": "user",
                "owner_id": "u_1",
                "scopes": "read",
                "environment_id": "",
            }
        )
    assert budget == {
        "verify first": ["GetItem", "UpdateItem"],
        "verify again": ["GetItem"],
        "verify scope refused": ["GetItem"],
        "verify malformed": [],
        "verify unknown": ["GetItem"],
        "verify 422": [],
        "authorizer": ["GetItem"],  # last-used already written inside this window by verify
        "authorizer malformed": [],
        "whoami": [],
    }


# --- the authorizer and whoami --------------------------------------------------------------------------


def test_the_authorizer_allows_a_valid_key_with_its_context_and_records_the_use(api: Api) -> None:
    created = create(api, scopes=["read", "write"], environment_id="env_prod")
    result = authorize(f"Bearer {created['key']}", source_ip="198.51.100.77")
    assert result == {
        "isAuthorized": True,
        "context": {
            "key_id": created["id"],
            "tenant_id": "acme",
            "owner_type": "user",
            "owner_id": "u_1",
            "scopes": "read write",
            "environment_id": "env_prod",
        },
    }
    assert all(isinstance(v, str) for v in result["context"].values())
    seen = fetch(api, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("198.51.100.77", "partner-sdk/2.1")


def test_the_authorizer_reads_the_authorization_header_then_the_identity_source(api: Api) -> None:
    created = create(api)
    event = authorizer_event(f"Bearer {created['key']}")
    event["headers"]["authorization"] = "Bearer ks_not_this_one"
    assert handler_of("authorizer")(event, None) == {"isAuthorized": False}  # the header wins
    del event["headers"]["authorization"]
    assert handler_of("authorizer")(event, None)["isAuthorized"] is True  # identitySource without headers


def test_a_tenant_wide_keys_context_has_an_empty_environment(api: Api) -> None:
    created = create(api)
    assert authorize(f"bearer {created['key']}")["context"]["environment_id"] == ""


@pytest.mark.parametrize(
    "arrange",
    ["missing", "basic", "empty", "malformed", "unknown", "session", "suspended", "revoked", "expired"],
)
def test_the_authorizer_denies(api: Api, arrange: str) -> None:
    created = create(api)
    header: str | None = f"Bearer {created['key']}"
    match arrange:
        case "missing":
            header = None
        case "basic":
            header = "Basic dXNlcjpwYXNz"
        case "empty":
            header = "Bearer "
        case "malformed":
            header = "Bearer ks_123"
        case "unknown":
            header = f"Bearer {tokens.generate('ks')}"
        case "session":
            header = f"Bearer {api.session('u_1', 'acme')}"  # the authorizer takes API keys only
        case "suspended":
            _suspend(api, created)
        case "revoked":
            _revoke(api, created)
        case "expired":
            _expire(api, created)
    assert authorize(header) == {"isAuthorized": False}
    assert fetch(api, created["id"])["last_used_at"] is None


def test_the_authorizer_never_allows_on_a_store_fault(api: Api) -> None:
    created = create(api)
    with (
        FaultInjector(api.parts.store.client, "GetItem", "throttling").active(),
        pytest.raises(StoreUnavailable),
    ):
        authorize(f"Bearer {created['key']}")  # raised: API Gateway answers 500, never lets it through


def test_verify_answers_503_on_a_store_fault(api: Api) -> None:
    created = create(api)
    with FaultInjector(api.parts.store.client, "GetItem", "internal").active():
        reply = verify(api, {"key": created["key"]})
    assert_problem(reply, 503, "unavailable")
    assert reply.header("Retry-After") == "1"


def test_whoami_answers_the_authorizers_principal(api: Api) -> None:
    created = create(api, scopes=["read", "write"], environment_id="env_prod")
    decision = authorize(f"Bearer {created['key']}")
    reply = whoami(decision["context"])
    assert reply.status == 200
    assert reply.header("X-Request-Id")
    assert reply.body == {
        "key_id": created["id"],
        "tenant_id": "acme",
        "owner": {"type": "user", "id": "u_1"},
        "scopes": ["read", "write"],
        "environment_id": "env_prod",
    }
    tenant_wide = create(api, scopes=["read"])
    reply = whoami(authorize(f"Bearer {tenant_wide['key']}")["context"])
    assert reply.body["environment_id"] is None and reply.body["scopes"] == ["read"]


def test_whoami_without_an_authorizer_context_is_401(api: Api) -> None:
    reply = whoami(None)
    assert reply.status == 401
    assert reply.header("WWW-Authenticate")


# --- the optional cache --------------------------------------------------------------------------------


def test_with_a_cache_a_warm_container_reads_once_per_ttl(make_api: Any) -> None:
    api = make_api(verify_cache_ttl_seconds=30)
    created = create(api)
    client = api.parts.store.client
    with counting(client) as calls:
        for _ in range(5):
            assert verify(api, {"key": created["key"]}).body["valid"]
    assert calls.count("GetItem") == 1
    _revoke(api, created)
    assert verify(api, {"key": created["key"]}).body["code"] == "VALID"  # up to the TTL: the documented cost
    wiring.verifier().forget()
    assert verify(api, {"key": created["key"]}).body["code"] == "REVOKED"
