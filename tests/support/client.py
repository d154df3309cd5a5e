"""One in-process client for the routes: each verb sends one request through the function that
template.yaml routes it to, and answers a ``Reply`` (status, parsed body, headers) that also
remembers the path it was sent to, so a problem's ``instance`` can be checked against it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from keysmith import wiring
from tests.helpers import Api, Reply, gateway, handler_of, http_request

KEYS = "/v1/api-keys"


@dataclass
class Answer(Reply):
    """A ``Reply`` with the path of the request that produced it, as its API sees it (a local
    ``/internal/v1/verify`` is the internal API's ``/v1/verify``)."""

    path: str = ""


@dataclass
class Client(Api):
    """``tests.helpers.Api`` with one verb per operation."""

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:  # type: ignore[override]
        reply = super().request(method, path, **kwargs)
        located = gateway().locate(http_request(method, path))
        return Answer(reply.status, reply.headers, reply.text, path=located[1].raw_path if located else path)

    def create_key(self, token: str | None, name: str = "ci deploy", **fields: Any) -> Answer:
        return self.request("POST", KEYS, token=token, json_body={"name": name, **fields})

    def created_key(self, token: str, name: str = "ci deploy", **fields: Any) -> dict[str, Any]:
        """POST /v1/api-keys, asserting 201: the created key (its plaintext under ``key``)."""
        reply = self.create_key(token, name, **fields)
        assert reply.status == 201, reply.text
        return dict(reply.body)

    def get_key(self, token: str | None, key_id: str) -> Answer:
        return self.request("GET", f"{KEYS}/{key_id}", token=token)

    def list_keys(self, token: str | None, **query: str) -> Answer:
        return self.request("GET", KEYS, token=token, query=query or None)

    def update_key(self, token: str | None, key_id: str, body: Any) -> Answer:
        return self.request("PATCH", f"{KEYS}/{key_id}", token=token, json_body=body)

    def suspend_key(self, token: str | None, key_id: str) -> Answer:
        return self.request("POST", f"{KEYS}/{key_id}/suspend", token=token)

    def activate_key(self, token: str | None, key_id: str) -> Answer:
        return self.request("POST", f"{KEYS}/{key_id}/activate", token=token)

    def revoke_key(self, token: str | None, key_id: str) -> Answer:
        return self.request("POST", f"{KEYS}/{key_id}/revoke", token=token)

    def rotate_key(self, token: str | None, key_id: str, body: Any = None) -> Answer:
        return self.request("POST", f"{KEYS}/{key_id}/rotate", token=token, json_body=body)

    def delete_key(self, token: str | None, key_id: str) -> Answer:
        return self.request("DELETE", f"{KEYS}/{key_id}", token=token)

    def act(self, token: str | None, key_id: str, action: str, body: Any = None) -> Answer:
        """One state change by name: suspend, activate, revoke, rotate or delete."""
        if action == "delete":
            return self.delete_key(token, key_id)
        return self.request("POST", f"{KEYS}/{key_id}/{action}", token=token, json_body=body)

    def verify(self, body: Any) -> Answer:
        return self.request("POST", "/internal/v1/verify", json_body=body)

    def whoami(self, context: dict[str, Any] | None) -> Answer:
        """GET /v1/whoami as API Gateway calls it after the authorizer (``context``: what it allowed)."""
        return whoami(context)

    def stored(self, key_id: str) -> dict[str, Any]:
        """The key's item as it is in the table (asserting that it is there)."""
        item = self.parts.store.get_raw(key_id)
        assert item is not None, f"{key_id} is not stored"
        return item


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
    """The authorizer's answer to ``authorization`` (the header value, or None for none)."""
    result: dict[str, Any] = handler_of("authorizer")(authorizer_event(authorization, **kwargs), None)
    return result


def whoami(context: dict[str, Any] | None) -> Answer:
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
    return Answer(
        int(result["statusCode"]), dict(result["headers"]), result.get("body") or "", path="/v1/whoami"
    )


def post_create(
    api: Api, body: str | None, headers: dict[str, str] | None = None, token: str | None = None
) -> Reply:
    """POST /v1/api-keys with ``body`` as text, declared JSON (unless ``headers`` say otherwise), as
    the user u of acme unless ``token`` is given."""
    all_headers = {"content-type": "application/json", **(headers or {})}
    return api.request("POST", KEYS, token=token or api.session("u", "acme"), body=body, headers=all_headers)


def actions_of(body: dict[str, Any]) -> set[str]:
    """The actions a key's ``available_actions`` allows."""
    return {name for name, allowed in body["available_actions"].items() if allowed}


def frozen(at: float) -> None:
    """The clock says ``at`` from now on, through ``wiring`` (the one clock idiom); the ``api``
    fixture's ``wiring.replace`` puts the real clock back when the test ends."""
    wiring.install(now=lambda: at)
