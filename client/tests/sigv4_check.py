"""Checks a received SigV4 signature the way AWS does, with botocore, against known credentials."""

from __future__ import annotations

import re

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from fake_keysmith import Recorded

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<akid>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def parse_authorization(request: Recorded) -> dict[str, str]:
    match = AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
    assert match, f"not a SigV4 Authorization header: {request.headers.get('authorization')!r}"
    return match.groupdict()


def expected_signature(request: Recorded, base_url: str, credentials: Credentials, region: str) -> str:
    """The signature botocore computes for what the server received (its headers, path, query, body)."""
    parts = parse_authorization(request)
    signed = parts["signed"].split(";")
    headers = {name: request.headers[name] for name in signed}
    aws_request = AWSRequest(
        method=request.method, url=base_url + request.raw_target, data=request.body, headers=headers
    )
    aws_request.context["timestamp"] = request.headers["x-amz-date"]
    auth = SigV4Auth(credentials, parts["service"], region)
    canonical = auth.canonical_request(aws_request)
    return auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)


def assert_valid_signature(
    request: Recorded, base_url: str, credentials: Credentials, region: str
) -> dict[str, str]:
    parts = parse_authorization(request)
    assert parts["akid"] == credentials.access_key
    assert parts["region"] == region
    assert parts["service"] == "execute-api"
    assert parts["date"] == request.headers["x-amz-date"][:8]
    assert parts["signature"] == expected_signature(request, base_url, credentials, region)
    return parts
