"""The OpenAPI document served at GET /v1/openapi.json is a valid OpenAPI 3.1 document (checked by
openapi-spec-validator, an independent implementation), every reference in it resolves, and it
states the field rules the server applies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from local.openapi import DOCUMENT
from tests.helpers import Api


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def test_the_committed_document_is_valid_openapi() -> None:
    validate(document())  # raises on an invalid document or a $ref that points nowhere


def test_every_reference_resolves() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    schemas = document()["components"]["schemas"]
    for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)):
        assert name in schemas, name


def test_the_served_document_is_valid_and_names_the_deploys_scopes(make_api: Any) -> None:
    api: Api = make_api()
    reply = api.request("GET", "/v1/openapi.json")
    assert reply.status == 200
    served = reply.body
    validate(served)
    assert served["components"]["schemas"]["Scope"]["enum"] == ["read", "write", "keys:read", "keys:write"]


@pytest.mark.parametrize(
    ("schema", "field", "accepted", "refused"),
    [
        (
            "CreateKeyRequest",
            "name",
            ["a", "  CI deploy  ", "x" * 100],
            ["", "   ", "x" * 101, "a\u0018", "a\u202eb"],
        ),
        ("CreateKeyRequest", "description", ["", "two\nlines\tok"], ["\u0018", "a\u200bb"]),
    ],
)
def test_the_documented_patterns_are_the_servers_rules(
    schema: str, field: str, accepted: list[str], refused: list[str]
) -> None:
    prop = document()["components"]["schemas"][schema]["properties"][field]
    branch = next(b for b in prop.get("anyOf", [prop]) if b.get("type") == "string")
    pattern = re.compile(branch["pattern"])
    for value in accepted:
        assert pattern.search(value), value
    for value in refused:
        assert not (pattern.search(value) and len(value) <= branch.get("maxLength", len(value))), value


def test_the_rotate_body_is_an_object_never_null_and_verify_is_signed() -> None:
    paths = document()["paths"]
    rotate = paths["/v1/api-keys/{id}/rotate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert rotate["$ref"] == "#/components/schemas/RotateKeyRequest" and "anyOf" not in rotate
    assert paths["/v1/verify"]["post"]["security"] == [{"sigv4": []}]
    cursor = next(p for p in paths["/v1/api-keys"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["anyOf"][0]["minLength"] == 1 and "pattern" in cursor["schema"]["anyOf"][0]
