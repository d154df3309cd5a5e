"""local.gateway's responses: a function's result turned into the HTTP answer API Gateway would send,
and API Gateway's own answers. No sockets."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest

from local.gateway import gateway_error
from local.gateway.responses import InvalidLambdaResult, to_http_response


# ------------------------------------------------------------------------------ responses
def test_a_full_response_is_sent_as_is_with_cookies_as_set_cookie_headers() -> None:
    response = to_http_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Count": 3, "X-Flag": True},
            "cookies": ["a=1; Secure", "b=2"],
            "body": '{"ok":true}',
            "isBase64Encoded": False,
        }
    )
    assert response.status == 201
    assert response.headers == (
        ("Content-Type", "application/json"),
        ("X-Count", "3"),
        ("X-Flag", "true"),
        ("set-cookie", "a=1; Secure"),
        ("set-cookie", "b=2"),
    )
    assert response.body == b'{"ok":true}'
    assert response.header("content-type") == "application/json"


def test_base64_bodies_are_decoded_and_a_missing_body_is_empty() -> None:
    encoded = base64.b64encode(b"\x00\x01").decode()
    assert to_http_response({"statusCode": 200, "body": encoded, "isBase64Encoded": True}).body == b"\x00\x01"
    assert to_http_response({"statusCode": 204}).body == b""


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "hi"}, b'{"message": "hi"}'),
        ("Hello from Lambda!", b"Hello from Lambda!"),
        ([1, 2], b"[1, 2]"),
        (None, b"null"),
    ],
)
def test_a_result_without_status_code_is_inferred_as_200_json(result: Any, body: bytes) -> None:
    response = to_http_response(result)
    assert (response.status, response.header("content-type"), response.body) == (
        200,
        "application/json",
        body,
    )


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": ""},
        {"statusCode": 99},
        {"statusCode": True},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": {"x": ["a", "b"]}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
        {"statusCode": 200, "body": Decimal("1")},
        {"amount": Decimal("1.5")},  # Lambda cannot serialize it: the invocation fails
    ],
)
def test_a_result_api_gateway_cannot_use_is_an_error(result: Any) -> None:
    with pytest.raises(InvalidLambdaResult):
        to_http_response(result)


def test_multi_value_headers_are_ignored_with_a_warning() -> None:
    warnings: list[str] = []
    response = to_http_response(
        {"statusCode": 200, "multiValueHeaders": {"x": ["a", "b"]}, "body": ""}, warn=warnings.append
    )
    assert response.headers == ()
    assert len(warnings) == 1 and "multiValueHeaders" in warnings[0]


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"), (500, "Internal Server Error")],
)
def test_api_gateways_own_answers(status: int, message: str) -> None:
    response = gateway_error(status)
    assert response.status == status
    assert json.loads(response.body) == {"message": message}
    assert response.header("Content-Type") == "application/json"
