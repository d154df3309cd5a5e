"""The OpenAPI document tells the truth about the lean handlers: the verify request it documents is
the one the handler accepts, and every real answer (each code, the problems, whoami) conforms to
the documented schemas. The document is the committed one, as GET /v1/openapi.json serves it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keysmith.http.verify_body import MAX_REQUIRED_SCOPES
from tests.helpers import ROOT
from tests.support.client import Client as Api
from tests.support.client import authorize, whoami
from tests.support.schema import errors
from tests.support.verification import CASES, admin_key, arrange_case, verify

DOCUMENT: dict[str, Any] = json.loads((ROOT / "functions" / "openapi" / "openapi.json").read_text())


VERIFY = DOCUMENT["paths"]["/v1/verify"]["post"]


REQUEST = VERIFY["requestBody"]["content"]["application/json"]["schema"]


ANSWER = VERIFY["responses"]["200"]["content"]["application/json"]["schema"]


def schema_of(ref: dict[str, Any]) -> dict[str, Any]:
    target: Any = DOCUMENT
    for part in ref["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


def test_verify_and_whoami_are_documented_with_their_security() -> None:
    assert VERIFY["security"] == [{"sigv4": []}]
    assert DOCUMENT["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert "200" in DOCUMENT["paths"]["/v1/whoami"]["get"]["responses"]
    assert set(VERIFY["responses"]) == {"200", "400", "413", "415", "422", "503"}


def test_the_documented_request_fields_are_the_handlers() -> None:
    body = schema_of(REQUEST)
    fields = {"key", "required_scopes", "environment_id", "client_ip", "user_agent", "cost"}
    assert set(body["properties"]) == fields
    assert body["required"] == ["key"]
    assert body["additionalProperties"] is False
    scopes = next(o for o in body["properties"]["required_scopes"]["anyOf"] if o.get("type") == "array")
    assert scopes["maxItems"] == MAX_REQUIRED_SCOPES


# Bodies on both sides of every rule the schema can state. (client_ip's address syntax is in the
# schema's description only: JSON Schema formats are annotations, so it is checked by the handler.)
BODIES: list[dict[str, Any]] = [
    {"key": "ks_x"},
    {"key": ""},
    {"key": "ks_x", "required_scopes": []},
    {"key": "ks_x", "required_scopes": ["read", "write", "billing:read", "a.b-c_d"]},
    {"key": "ks_x", "required_scopes": None, "environment_id": None, "client_ip": None, "user_agent": None},
    {"key": "ks_x", "environment_id": "env_prod", "client_ip": "203.0.113.7", "user_agent": "curl/8.5"},
    {"key": "ks_x", "client_ip": "2001:db8::1", "user_agent": ""},
    {"key": "ks_x", "required_scopes": ["r"] * MAX_REQUIRED_SCOPES},
    {},
    {"key": None},
    {"key": 7},
    {"key": "ks_x", "extra": 1},
    {"key": "ks_x", "required_scopes": "read"},
    {"key": "ks_x", "required_scopes": [""]},
    {"key": "ks_x", "required_scopes": ["-read"]},
    {"key": "ks_x", "required_scopes": [3]},
    {"key": "ks_x", "required_scopes": ["r"] * (MAX_REQUIRED_SCOPES + 1)},
    {"key": "ks_x", "environment_id": ""},
    {"key": "ks_x", "environment_id": "env#1"},
    {"key": "ks_x", "environment_id": 1},
    {"key": "ks_x", "client_ip": 1},
    {"key": "ks_x", "user_agent": ["curl"]},
    {"key": "ks_x", "cost": 0},
    {"key": "ks_x", "cost": None},
    {"key": "ks_x", "cost": 10**12},
    {"key": "ks_x", "cost": -1},
    {"key": "ks_x", "cost": 10**12 + 1},
    {"key": "ks_x", "cost": 1.5},
    {"key": "ks_x", "cost": "1"},
    {"key": "ks_x", "cost": True},
]


@pytest.mark.parametrize("body", BODIES, ids=[json.dumps(b)[:60] for b in BODIES])
def test_the_handler_accepts_exactly_what_the_document_allows(api: Api, body: dict[str, Any]) -> None:
    documented = not errors(body, REQUEST, DOCUMENT)
    reply = verify(api, body)
    assert reply.status == (200 if documented else 422), (body, reply.text)
    answer_schema = (
        ANSWER if documented else VERIFY["responses"]["422"]["content"]["application/problem+json"]["schema"]
    )
    assert errors(reply.body, answer_schema, DOCUMENT) == []


@pytest.mark.parametrize(("code", "arrange", "body"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_real_answer_conforms_to_the_documented_schema(
    api: Api, code: str, arrange: Any, body: dict[str, Any]
) -> None:
    _, key = arrange_case(api, arrange)
    request = {"key": key, **body}
    assert errors(request, REQUEST, DOCUMENT) == []
    answer = verify(api, request).body
    assert answer["code"] == code
    assert errors(answer, ANSWER, DOCUMENT) == []
    assert errors(answer, schema_of(ANSWER)["anyOf"][1], DOCUMENT) == []  # VerifyInvalid exactly


def test_a_valid_answer_conforms_in_full(api: Api) -> None:
    created = admin_key(api, scopes=["read", "write"], metadata={"team": "billing"}, expires_in_seconds=60)
    answer = verify(api, {"key": created["key"]}).body
    assert answer["valid"] is True
    assert errors(answer, schema_of(ANSWER)["anyOf"][0], DOCUMENT) == []  # VerifyValid exactly
    assert errors({**answer, "key": {**answer["key"], "extra": 1}}, ANSWER, DOCUMENT)  # the schema is closed
    tenant_wide = verify(api, {"key": admin_key(api)["key"]}).body
    assert tenant_wide["key"]["environment_id"] is None and tenant_wide["key"]["expires_at"] is None
    assert errors(tenant_wide, ANSWER, DOCUMENT) == []


@pytest.mark.parametrize(
    ("text", "content_type", "status"),
    [
        ('{"key": "' + "x" * 17000 + '"}', "application/json", "413"),
        ('{"key": "x"}', "text/plain", "415"),
        ("[]", "application/json", "400"),
    ],
)
def test_problem_answers_conform(api: Api, text: str, content_type: str, status: str) -> None:
    reply = api.request("POST", "/internal/v1/verify", body=text, headers={"content-type": content_type})
    assert str(reply.status) == status
    schema = VERIFY["responses"][status]["content"]["application/problem+json"]["schema"]
    assert errors(reply.body, schema, DOCUMENT) == []


def test_whoamis_answer_conforms(api: Api) -> None:
    created = admin_key(api, environment_id="env_prod")
    reply = whoami(authorize(f"Bearer {created['key']}")["context"])
    schema = DOCUMENT["paths"]["/v1/whoami"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert errors(reply.body, schema, DOCUMENT) == []
    assert errors({**reply.body, "scopes": "read"}, schema, DOCUMENT)


def test_answers_about_limits_conform_to_their_documented_schemas(api: Api) -> None:
    later = {"not_before": "2999-01-01T00:00:00Z"}
    assert verify(api, {"key": admin_key(api, **later)["key"]}).body["code"] == "NOT_YET_VALID"
    fenced = verify(
        api, {"key": admin_key(api, allowed_ips=["192.0.2.0/24"])["key"], "client_ip": "::1"}
    ).body
    assert fenced["code"] == "IP_NOT_ALLOWED"
    key = admin_key(api, rate_limit={"limit": 1, "window_seconds": 60}, credits={"remaining": 1})["key"]
    valid, limited = (verify(api, {"key": key}).body for _ in range(2))
    spent = admin_key(api, credits={"remaining": 0})["key"]
    exceeded = verify(api, {"key": spent}).body
    schemas = schema_of(ANSWER)["anyOf"]
    for answer, index in ((valid, 0), (fenced, 1), (limited, 2), (exceeded, 3)):
        assert errors(answer, schemas[index], DOCUMENT) == [], answer
    assert (limited["code"], exceeded["code"]) == ("RATE_LIMITED", "USAGE_EXCEEDED")
