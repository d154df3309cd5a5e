"""POST /v1/verify: the verdict on a key presented to the caller's own service (AWS IAM when
deployed). 200 for every well-formed request; last-used is recorded for VALID answers only.

A lean handler: no resolver and no pydantic on its import path (cold start is a product feature).
"""

from typing import Any

from keysmith.hotpath import get_verifier
from keysmith.lean import http_context, json_result, lean_http_handler, parse_verify_request, verify_answer
from keysmith.requests import REQUIRED_BODY, read_body


def verify(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    request = parse_verify_request(read_body(event, REQUIRED_BODY) or {})
    verifier = get_verifier()
    result = verifier.verify(request.key, request.required_scopes, request.environment_id)
    if result.valid and result.record is not None:
        http = http_context(event)
        verifier.record_use(
            result.record,
            request.client_ip or http.get("sourceIp"),
            request.user_agent if request.user_agent is not None else http.get("userAgent"),
        )
    return json_result(200, verify_answer(result), request_id)


handler = lean_http_handler(verify)
