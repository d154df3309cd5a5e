"""local.gateway's parts: the template's two HTTP APIs and their routes, route matching, the payload
2.0 events (integration and authorizer), and results turned into HTTP responses. No sockets."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from local.gateway import Gateway, HttpRequest, new_request_id
from local.gateway.events import (
    LOCAL_OPERATOR_ARN,
    authorizer_decision,
    build_authorizer_event,
    build_event,
    format_request_time,
    identity_values,
)
from local.gateway.responses import InvalidLambdaResult
from local.gateway.routes import Authorizer, Route, match_route, template_apis
from local.template import REPO_ROOT, TemplateError, load_template
from tests.support.template_apis import APIS, INTERNAL, PUBLIC


def no_function(logical_id: str, event: dict[str, Any]) -> Any:
    raise AssertionError(f"{logical_id} must not be called")


GATEWAY = Gateway(list(APIS.values()), no_function)


def route_of(method: str, path: str) -> tuple[str, str, str, dict[str, str]]:
    """(api id, function, route key, path parameters) of the route a local request reaches."""
    routed = GATEWAY.route(HttpRequest.from_target(method, path))
    assert routed is not None
    route = routed.match.route
    return routed.api.api_id, route.function, route.route_key, routed.match.path_parameters


# ------------------------------------------------------------------------------ the template's routes
MANAGEMENT = {
    "POST /v1/api-keys",
    "GET /v1/api-keys",
    "GET /v1/api-keys/{id}",
    "PATCH /v1/api-keys/{id}",
    "DELETE /v1/api-keys/{id}",
    "POST /v1/api-keys/{id}/suspend",
    "POST /v1/api-keys/{id}/activate",
    "POST /v1/api-keys/{id}/revoke",
    "POST /v1/api-keys/{id}/rotate",
    "GET /v1/audit-events",
}


def test_every_route_of_both_apis_is_read_with_its_authorization() -> None:
    public = {route.route_key: route for route in PUBLIC.routes}
    internal = {route.route_key: route for route in INTERNAL.routes}
    console = {"GET /console", "GET /console/{proxy+}"}  # the page, same origin as the API
    docs = {"GET /v1/openapi.json", "GET /v1/docs", "GET /v1/docs/{asset}"}
    jwks = {"GET /.well-known/jwks.json"}  # the JWT keys' signing keys, public
    assert set(public) == MANAGEMENT | console | docs | jwks | {"GET /v1/whoami", "$default"}
    assert set(internal) == MANAGEMENT | {"POST /v1/verify", "$default"}
    assert public["GET /v1/whoami"].authorizer == Authorizer(
        "KeyAuthorizer", "AuthorizerFunction", ("$request.header.Authorization",)
    )
    assert not any(r.authorizer or r.iam for k, r in public.items() if k != "GET /v1/whoami")
    assert all(r.iam and r.authorizer is None for r in internal.values())  # its DefaultAuthorizer
    for key in MANAGEMENT | {"$default"}:  # the same function behind both APIs
        assert public[key].function == internal[key].function
    assert internal["POST /v1/verify"].function == "VerifyFunction"
    assert public["$default"].function == "FallbackFunction"
    assert (PUBLIC.mount, PUBLIC.api_id, INTERNAL.mount, INTERNAL.api_id) == (
        "",
        "local-public",
        "/internal",
        "local-internal",
    )


def test_an_unknown_authorizer_is_refused_and_a_default_authorizer_applies() -> None:
    template = load_template()
    template["Resources"]["WhoamiFunction"]["Properties"]["Events"]["Api"]["Properties"]["Auth"] = {
        "Authorizer": "Nope"
    }
    with pytest.raises(TemplateError, match="Nope"):
        template_apis(template)
    template = load_template()
    template["Resources"]["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] = "KeyAuthorizer"
    public = next(api for api in template_apis(template) if api.logical_id == "HttpApi")
    assert all(route.authorizer is not None for route in public.routes)
    template["Resources"]["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] = "AWS_IAM"
    del template["Resources"]["WhoamiFunction"]["Properties"]["Events"]["Api"]["Properties"]["Auth"]
    with pytest.raises(TemplateError, match="second internal"):
        template_apis(template)


def test_a_key_written_twice_is_refused_as_cloudformation_refuses_it(tmp_path: Path) -> None:
    # YAML keeps the last of two equal keys: a merge that left two Conditions sections would
    # silently drop the first one locally while the deploy fails.
    text = (REPO_ROOT / "template.yaml").read_text()
    doubled = tmp_path / "template.yaml"
    doubled.write_text(
        text.replace("Conditions:\n", "Conditions:\n  Extra: !Equals [a, b]\nConditions:\n", 1)
    )
    with pytest.raises(TemplateError, match="'Conditions' is written twice"):
        load_template(doubled)
    assert text.count("\nConditions:\n") == 1


# ------------------------------------------------------------------------------ route matching
PUBLIC_ID, INTERNAL_ID = "local-public", "local-internal"


@pytest.mark.parametrize(
    ("method", "path", "api", "function", "route_key", "params"),
    [
        ("POST", "/v1/api-keys", PUBLIC_ID, "CreateKeyFunction", "POST /v1/api-keys", {}),
        ("GET", "/v1/api-keys", PUBLIC_ID, "ListKeysFunction", "GET /v1/api-keys", {}),
        ("get", "/v1/api-keys/abc", PUBLIC_ID, "GetKeyFunction", "GET /v1/api-keys/{id}", {"id": "abc"}),
        (
            "PATCH",
            "/v1/api-keys/abc",
            PUBLIC_ID,
            "UpdateKeyFunction",
            "PATCH /v1/api-keys/{id}",
            {"id": "abc"},
        ),
        (
            "DELETE",
            "/v1/api-keys/abc",
            PUBLIC_ID,
            "DeleteKeyFunction",
            "DELETE /v1/api-keys/{id}",
            {"id": "abc"},
        ),
        (
            "POST",
            "/v1/api-keys/a%20b/rotate",
            PUBLIC_ID,
            "RotateKeyFunction",
            "POST /v1/api-keys/{id}/rotate",
            {"id": "a b"},
        ),
        ("GET", "/v1/whoami", PUBLIC_ID, "WhoamiFunction", "GET /v1/whoami", {}),
        ("GET", "/v1/openapi.json", PUBLIC_ID, "OpenApiFunction", "GET /v1/openapi.json", {}),
        (
            "GET",
            "/console/app.js",
            PUBLIC_ID,
            "ConsoleFunction",
            "GET /console/{proxy+}",
            {"proxy": "app.js"},
        ),
        ("GET", "/internal/console", INTERNAL_ID, "FallbackFunction", "$default", {}),
        # The internal API under /internal: the same functions, and verify only there.
        ("POST", "/internal/v1/verify", INTERNAL_ID, "VerifyFunction", "POST /v1/verify", {}),
        ("POST", "/internal/v1/api-keys", INTERNAL_ID, "CreateKeyFunction", "POST /v1/api-keys", {}),
        (
            "POST",
            "/internal/v1/api-keys/k/revoke",
            INTERNAL_ID,
            "RevokeKeyFunction",
            "POST /v1/api-keys/{id}/revoke",
            {"id": "k"},
        ),
        # No route: the API's $default route (the fallback answers 404 or 405).
        ("POST", "/v1/verify", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("GET", "/internal/v1/whoami", INTERNAL_ID, "FallbackFunction", "$default", {}),
        ("GET", "/internal/v1/openapi.json", INTERNAL_ID, "FallbackFunction", "$default", {}),
        ("GET", "/internal", INTERNAL_ID, "FallbackFunction", "$default", {}),
        ("GET", "/internals/v1/api-keys", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("PUT", "/v1/api-keys", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("TRACE", "/v1/api-keys", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("PROPFIND", "/internal/v1/api-keys", INTERNAL_ID, "FallbackFunction", "$default", {}),
        ("GET", "/nope", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("GET", "/", PUBLIC_ID, "FallbackFunction", "$default", {}),
        # One trailing slash is ignored, as API Gateway ignores it; an empty {id} never matches.
        ("GET", "/v1/api-keys/", PUBLIC_ID, "ListKeysFunction", "GET /v1/api-keys", {}),
        ("GET", "/v1/api-keys/abc/", PUBLIC_ID, "GetKeyFunction", "GET /v1/api-keys/{id}", {"id": "abc"}),
        ("GET", "/console/", PUBLIC_ID, "ConsoleFunction", "GET /console", {}),
        ("GET", "/v1/api-keys//", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("POST", "/v1/api-keys//suspend", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("POST", "/v1/api-keys/abc/explode", PUBLIC_ID, "FallbackFunction", "$default", {}),
        ("GET", "/V1/api-keys", PUBLIC_ID, "FallbackFunction", "$default", {}),
    ],
)
def test_requests_reach_the_route_api_gateway_would_pick(
    method: str, path: str, api: str, function: str, route_key: str, params: dict[str, str]
) -> None:
    assert route_of(method, path) == (api, function, route_key, params)


def test_the_most_specific_route_wins_and_a_method_beats_any() -> None:
    routes = [
        Route("ANY", "/{proxy+}", "Greedy"),
        Route("GET", "/items/{id}", "Item"),
        Route("GET", "/items/special", "Special"),
        Route("ANY", "/items/special", "AnySpecial"),
        Route("GET", "/items/{id}/{sub}", "Sub"),
    ]
    pick = {
        path: (m.route.function, m.path_parameters) if (m := match_route(routes, "GET", path)) else None
        for path in ("/items/special", "/items/7", "/items/7/x", "/other/deep/path", "/")
    }
    assert pick == {
        "/items/special": ("Special", {}),
        "/items/7": ("Item", {"id": "7"}),
        "/items/7/x": ("Sub", {"id": "7", "sub": "x"}),
        "/other/deep/path": ("Greedy", {"proxy": "other/deep/path"}),
        "/": None,  # a greedy variable needs at least one segment, and there is no $default
    }
    assert match_route(routes, "POST", "/items/special").route.function == "AnySpecial"  # type: ignore[union-attr]


def test_no_route_and_no_default_route_is_none() -> None:
    assert match_route([Route("GET", "/a", "A")], "GET", "/b") is None


# ------------------------------------------------------------------------------ the integration event
def request(
    method: str = "GET",
    target: str = "/v1/api-keys",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpRequest:
    return HttpRequest.from_target(
        method,
        target,
        headers if headers is not None else [("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8.5")],
        body,
        source_ip="192.0.2.7",
    )


def event_for(req: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    routed = GATEWAY.route(req)
    assert routed is not None
    return build_event(
        routed.request,
        routed.match,
        request_id="Ab3dEfGhIjKlMnO=",
        epoch_ms=1583348638390,
        api_id=routed.api.api_id,
        **kwargs,
    )


def test_a_get_event_has_the_payload_2_0_shape() -> None:
    event = event_for(request("GET", "/v1/api-keys/k_1?limit=5&status=active"))
    assert event == {
        "version": "2.0",
        "routeKey": "GET /v1/api-keys/{id}",
        "rawPath": "/v1/api-keys/k_1",
        "rawQueryString": "limit=5&status=active",
        "headers": {
            "host": "127.0.0.1:3000",
            "user-agent": "curl/8.5",
            "x-forwarded-for": "192.0.2.7",
            "x-forwarded-port": "3000",
            "x-forwarded-proto": "http",
            "x-amzn-trace-id": event["headers"]["x-amzn-trace-id"],
        },
        "queryStringParameters": {"limit": "5", "status": "active"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local-public",
            "domainName": "127.0.0.1",
            "domainPrefix": "127",
            "http": {
                "method": "GET",
                "path": "/v1/api-keys/k_1",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.7",
                "userAgent": "curl/8.5",
            },
            "requestId": "Ab3dEfGhIjKlMnO=",
            "routeKey": "GET /v1/api-keys/{id}",
            "stage": "$default",
            "time": "04/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1583348638390,
        },
        "pathParameters": {"id": "k_1"},
        "isBase64Encoded": False,
    }
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", event["headers"]["x-amzn-trace-id"])


def test_headers_are_lower_cased_and_repeats_joined_and_cookies_split_out() -> None:
    headers = [
        ("Host", "localhost:3000"),
        ("X-Thing", "a"),
        ("x-thing", "b"),
        ("Cookie", "a=1; b=2"),
        ("Cookie", "c=3"),
        ("X-Forwarded-For", "203.0.113.9"),
    ]
    event = event_for(request("GET", "/v1/whoami", headers))
    assert event["headers"]["x-thing"] == "a,b"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert event["headers"]["x-forwarded-for"] == "203.0.113.9, 192.0.2.7"
    assert event["requestContext"]["domainName"] == "localhost"
    assert event["requestContext"]["http"]["userAgent"] == ""


def test_repeated_query_values_are_comma_joined_and_decoded_and_the_raw_string_kept() -> None:
    event = event_for(request("GET", "/v1/api-keys?status=active&status=revoked&owner_id=u%201&flag="))
    assert event["rawQueryString"] == "status=active&status=revoked&owner_id=u%201&flag="
    assert event["queryStringParameters"] == {"status": "active,revoked", "owner_id": "u 1", "flag": ""}


def test_no_query_no_cookies_no_path_parameters_means_no_such_members() -> None:
    event = event_for(request("GET", "/nowhere"))
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    assert event["rawQueryString"] == ""
    for member in ("queryStringParameters", "cookies", "pathParameters", "body"):
        assert member not in event
    assert event["isBase64Encoded"] is False


def test_a_utf8_body_is_text_and_anything_else_base64() -> None:
    text = event_for(request("POST", "/v1/api-keys", body='{"name": "été"}'.encode()))
    assert (text["body"], text["isBase64Encoded"]) == ('{"name": "été"}', False)
    raw = bytes([0xFF, 0x00, 0x80])
    binary = event_for(request("POST", "/v1/api-keys", body=raw))
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == raw


def test_a_lambda_authorizer_context_and_the_iam_caller_land_in_request_context() -> None:
    context = {"key_id": "k", "tenant_id": "acme", "scopes": "read write"}
    whoami = event_for(request("GET", "/v1/whoami"), authorizer_context=context)
    assert whoami["requestContext"]["authorizer"] == {"lambda": context}
    public = event_for(request("GET", "/v1/api-keys"))
    assert (
        "authorizer" not in public["requestContext"] and public["requestContext"]["apiId"] == "local-public"
    )


def test_an_internal_request_is_the_event_of_an_iam_authorized_route_without_the_mount() -> None:
    headers = [("Host", "127.0.0.1:3000"), ("Keysmith-Tenant", "acme"), ("Keysmith-Act-As", "user:u_1")]
    event = event_for(request("GET", "/internal/v1/api-keys/k_1?limit=2", headers))
    assert (event["rawPath"], event["routeKey"], event["pathParameters"]) == (
        "/v1/api-keys/k_1",
        "GET /v1/api-keys/{id}",
        {"id": "k_1"},
    )
    context = event["requestContext"]
    assert context["apiId"] == "local-internal" and context["http"]["path"] == "/v1/api-keys/k_1"
    assert context["authorizer"] == {
        "iam": {
            "accessKey": "ASIALOCALLOCALLOCAL0",
            "accountId": "123456789012",
            "callerId": "AIDALOCALLOCALLOCAL0",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": "arn:aws:iam::123456789012:user/local-operator",
            "userId": "AIDALOCALLOCALLOCAL0",
        }
    }
    assert context["authorizer"]["iam"]["userArn"] == LOCAL_OPERATOR_ARN
    # whom the caller acts for reaches the function untouched (the layer reads it)
    assert event["headers"]["keysmith-tenant"] == "acme" and event["headers"]["keysmith-act-as"] == "user:u_1"


def test_request_time_and_ids_look_like_api_gateways() -> None:
    assert format_request_time(0) == "01/Jan/1970:00:00:00 +0000"
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", new_request_id())
    assert new_request_id() != new_request_id()


# ------------------------------------------------------------------------------ the authorizer
def test_the_authorizer_event_is_a_payload_2_0_request_event_without_body() -> None:
    req = request(
        "GET",
        "/v1/whoami?x=1",
        [("Host", "127.0.0.1:3000"), ("Authorization", "Bearer ks_abc"), ("User-Agent", "t")],
        b"ignored",
    )
    match = PUBLIC.match("GET", "/v1/whoami")
    assert match is not None and match.route.authorizer is not None
    identity = identity_values(req, match.route.authorizer.identity_sources)
    assert identity == ["Bearer ks_abc"]
    event = build_authorizer_event(
        req, match, request_id="r", identity_source=identity, epoch_ms=0, api_id=PUBLIC.api_id
    )
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert (
        event["routeArn"] == "arn:aws:execute-api:us-east-1:123456789012:local-public/$default/GET/v1/whoami"
    )
    assert event["identitySource"] == ["Bearer ks_abc"]
    assert event["routeKey"] == "GET /v1/whoami"
    assert event["headers"]["authorization"] == "Bearer ks_abc"
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["requestContext"]["requestId"] == "r"
    assert "body" not in event and "isBase64Encoded" not in event


@pytest.mark.parametrize("headers", [[], [("Authorization", "")], [("Authorization", "   ")]])
def test_a_missing_or_empty_identity_source_means_no_identity(headers: list[tuple[str, str]]) -> None:
    assert identity_values(request("GET", "/v1/whoami", headers), ["$request.header.Authorization"]) is None


def test_identity_from_the_query_string_and_unsupported_sources() -> None:
    req = request("GET", "/v1/whoami?token=t1")
    assert identity_values(req, ["$request.querystring.token"]) == ["t1"]
    with pytest.raises(ValueError, match="not supported"):
        identity_values(req, ["$context.identity.sourceIp"])


def test_simple_responses_are_read_and_anything_else_is_an_error() -> None:
    assert authorizer_decision({"isAuthorized": True, "context": {"a": "b"}}) == (True, {"a": "b"})
    assert authorizer_decision({"isAuthorized": False}) == (False, {})
    for bad in (None, "yes", {"isAuthorized": "true"}, {"isAuthorized": True, "context": ["x"]}):
        with pytest.raises(InvalidLambdaResult):
            authorizer_decision(bad)
