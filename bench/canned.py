"""DynamoDB answered in-process: a ``before-send`` hook returns a canned HTTP response, so a client
does everything it does for a real call (serialise, sign, parse, retry logic) except the network.

Standard library and botocore only: the floor process imports this without keysmith.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

REGION = "us-east-1"
ACCESS_KEY_ID = SECRET_ACCESS_KEY = "bench"  # noqa: S105 - a placeholder: nothing leaves the process


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class CannedDynamoDB:
    """Answers each operation with a fixed JSON body (``{}`` for operations not listed)."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.bodies = {operation: json.dumps(answer).encode() for operation, answer in answers.items()}
        self.calls: dict[str, int] = {}
        self._headers = HTTPHeaders()
        self._headers["Content-Type"] = "application/x-amz-json-1.0"
        self._headers["x-amzn-RequestId"] = "canned"

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        self.calls[operation] = self.calls.get(operation, 0) + 1
        body = self.bodies.get(operation, b"{}")
        return AWSResponse(str(request.url), 200, self._headers, _Raw(body))

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-send.dynamodb", self, unique_id="bench-canned")
        return client


def whoami_authorizer_event(key: str) -> dict[str, Any]:
    """The REQUEST event (payload 2.0) API Gateway sends the authorizer for ``GET /v1/whoami``."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/v1/whoami",
        "identitySource": [f"Bearer {key}"],
        "routeKey": "GET /v1/whoami",
        "rawPath": "/v1/whoami",
        "rawQueryString": "",
        "headers": {
            "authorization": f"Bearer {key}",
            "user-agent": "bench/1.0",
            "host": "api.example.com",
        },
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/v1/whoami",
                "sourceIp": "203.0.113.7",
                "userAgent": "bench/1.0",
            },
            "requestId": "bench-request",
            "routeKey": "GET /v1/whoami",
            "stage": "$default",
        },
    }
