"""local.gateway.Gateway in front of recording functions: every method reaches a route or the API's
$default route, the internal API under /internal, and CORS as the template's CorsAllowedOrigins
sets it (preflights answered by the gateway itself). No sockets, no layer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.gateway import Gateway, HttpRequest, HttpResponse
from local.gateway.routes import template_apis
from local.template import load_template

TEMPLATE = load_template()
ALLOWED = "https://app.example"
OTHER_ALLOWED = "https://admin.example"
REFUSED = "https://evil.example"
# Every (method, path) of the public API's routes, with a concrete id for {id}.
PUBLIC_ROUTES = sorted(
    (route.method, route.path.replace("{id}", "k_1"))
    for api in template_apis(TEMPLATE)
    if api.logical_id == "HttpApi"
    for route in api.routes
    if route.method != "ANY"
)


class Recorder:
    """Stands for the functions: records each event and answers as a handler would."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.headers = headers or {}

    def __call__(self, logical_id: str, event: dict[str, Any]) -> Any:
        self.events.append((logical_id, event))
        if logical_id == "AuthorizerFunction":
            return {"isAuthorized": True, "context": {"key_id": "k"}}
        body = json.dumps({"function": logical_id})
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json", **self.headers},
            "body": body,
        }


def gateway(recorder: Recorder, origins: str | None = None) -> Gateway:
    parameters = {} if origins is None else {"CorsAllowedOrigins": origins}
    return Gateway(template_apis(TEMPLATE, parameters), recorder)


def send(gw: Gateway, method: str, path: str, **headers: str) -> HttpResponse:
    pairs = [("Host", "127.0.0.1:3000"), ("Authorization", "Bearer ks_x")]
    pairs += [(name.replace("_", "-"), value) for name, value in headers.items()]
    return gw.handle(HttpRequest.from_target(method, path, pairs), "Ab3dEfGhIjKlMnO=")


def cors_headers(response: HttpResponse) -> dict[str, str]:
    return {
        name.lower(): value for name, value in response.headers if name.lower().startswith("access-control-")
    }


# ------------------------------------------------------------------------------ every method
@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW", "OPTIONS", "HEAD", "PUT"])
@pytest.mark.parametrize("path", ["/v1/api-keys", "/internal/v1/api-keys", "/nowhere"])
def test_a_method_no_route_serves_goes_to_the_apis_default_route(method: str, path: str) -> None:
    recorder = Recorder()
    response = send(gateway(recorder), method, path)
    assert response.status == 200
    ((function, event),) = recorder.events
    assert function == "FallbackFunction" and event["routeKey"] == "$default"
    assert event["requestContext"]["http"]["method"] == method
    assert event["rawPath"] == path.removeprefix("/internal")


def test_the_internal_api_reaches_the_same_function_as_its_iam_caller() -> None:
    recorder = Recorder()
    send(gateway(recorder), "POST", "/internal/v1/api-keys/k_1/suspend", Keysmith_Tenant="acme")
    send(gateway(recorder), "POST", "/v1/api-keys/k_1/suspend")
    (internal_function, internal), (public_function, public) = recorder.events
    assert internal_function == public_function == "SuspendKeyFunction"
    assert internal["requestContext"]["apiId"] == "local-internal"
    assert internal["requestContext"]["authorizer"]["iam"]["userArn"].endswith(":user/local-operator")
    assert internal["headers"]["keysmith-tenant"] == "acme"
    assert (
        public["requestContext"]["apiId"] == "local-public" and "authorizer" not in public["requestContext"]
    )


# ------------------------------------------------------------------------------ CORS
@pytest.mark.parametrize(("method", "path"), PUBLIC_ROUTES)
def test_a_preflight_from_an_allowed_origin_is_granted_by_the_gateway(method: str, path: str) -> None:
    recorder = Recorder()
    response = send(
        gateway(recorder, f"{ALLOWED},{OTHER_ALLOWED}"),
        "OPTIONS",
        path,
        Origin=OTHER_ALLOWED,
        Access_Control_Request_Method=method,
        Access_Control_Request_Headers="authorization,content-type,idempotency-key",
    )
    assert response.status == 204 and response.body == b""
    assert recorder.events == []  # answered by the gateway, never a function
    grant = cors_headers(response)
    assert grant["access-control-allow-origin"] == OTHER_ALLOWED
    assert method in grant["access-control-allow-methods"].split(",")
    assert set(grant["access-control-allow-methods"].split(",")) == {"GET", "POST", "PATCH", "DELETE"}
    assert grant["access-control-allow-headers"].split(",") == [
        "authorization",
        "content-type",
        "idempotency-key",
    ]
    assert int(grant["access-control-max-age"]) > 0


def test_a_preflight_from_another_origin_gets_no_grant() -> None:
    recorder = Recorder()
    gw = gateway(recorder, ALLOWED)
    refused = send(gw, "OPTIONS", "/v1/api-keys", Origin=REFUSED, Access_Control_Request_Method="POST")
    assert refused.status == 204 and cors_headers(refused) == {} and recorder.events == []
    # the scheme and the port are part of the origin
    for near in ("http://app.example", "https://app.example:8443", "https://app.example.evil"):
        response = send(gw, "OPTIONS", "/v1/api-keys", Origin=near, Access_Control_Request_Method="GET")
        assert cors_headers(response) == {}, near


def test_answers_carry_the_grant_for_an_allowed_origin_only_and_never_the_functions_own() -> None:
    recorder = Recorder({"Access-Control-Allow-Origin": "*", "X-Request-Id": "r"})
    gw = gateway(recorder, ALLOWED)
    allowed = send(gw, "GET", "/v1/api-keys", Origin=ALLOWED)
    assert allowed.status == 200 and allowed.header("X-Request-Id") == "r"
    assert cors_headers(allowed) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-expose-headers": "x-request-id,retry-after,idempotent-replayed",
    }
    for headers in ({"Origin": REFUSED}, {}):
        response = send(gw, "GET", "/v1/api-keys", **headers)
        assert response.status == 200 and cors_headers(response) == {}  # the function's "*" is dropped
    assert len(recorder.events) == 3


def test_the_gateways_own_answers_carry_the_grant_too() -> None:
    gw = gateway(Recorder(), ALLOWED)
    denied = gw.handle(HttpRequest.from_target("GET", "/v1/whoami", [("Origin", ALLOWED)]), "r")
    assert denied.status == 401  # no Authorization: API Gateway answers without the authorizer
    assert cors_headers(denied)["access-control-allow-origin"] == ALLOWED


def test_without_origins_there_is_no_cors_and_an_options_is_routed_like_any_method() -> None:
    recorder = Recorder({"Access-Control-Allow-Origin": "*"})
    gw = gateway(recorder)  # the template's default: no origins
    response = send(gw, "OPTIONS", "/v1/api-keys", Origin=ALLOWED, Access_Control_Request_Method="POST")
    assert [function for function, _ in recorder.events] == ["FallbackFunction"]
    assert cors_headers(response) == {"access-control-allow-origin": "*"}  # as the function answered


def test_the_internal_api_has_no_cors_even_with_origins() -> None:
    recorder = Recorder()
    gw = gateway(recorder, ALLOWED)
    response = send(
        gw, "OPTIONS", "/internal/v1/api-keys", Origin=ALLOWED, Access_Control_Request_Method="GET"
    )
    assert [function for function, _ in recorder.events] == ["FallbackFunction"]
    assert cors_headers(response) == {}
