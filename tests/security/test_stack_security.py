"""The stack's own security, read from template.yaml: each function holds exactly the DynamoDB
actions its code needs on exactly the table (or its indexes), both HTTP APIs are throttled and write
access logs, and every checkov skip carries its reason. checkov and bandit themselves run in
``make security`` (their own environment, .venv-sec)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from local.cloudformation import Resolver
from local.template import functions, load_template
from tests.helpers import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
TABLE = {"Fn::GetAtt": ["KeysTable", "Arn"]}
SIGNING_KEY = {"Fn::GetAtt": ["SigningKey", "Arn"]}
# The current signing key, and the previous ones when PreviousSigningKeyArns lists any.
SIGNING_KEYS = {
    "Fn::If": [
        "HasPreviousSigningKeys",
        {
            "Fn::Split": [
                ",",
                {"Fn::Join": [",", [SIGNING_KEY, {"Fn::Join": [",", {"Ref": "PreviousSigningKeyArns"}]}]]},
            ]
        },
        [SIGNING_KEY],
    ]
}
# A JWT key may be presented wherever an API key is: its signature is checked against them.
PUBLIC_KEYS = {"signing keys": {"kms:GetPublicKey"}}
MINT = {"signing key": {"kms:Sign"}}
INDEXES = {"Fn::Sub": "${KeysTable.Arn}/index/*"}

# An API-key caller is read (GetItem) and its use recorded (UpdateItem) on every management route.
AUTHENTICATE = {"dynamodb:GetItem", "dynamodb:UpdateItem"}
# Every change writes its audit event (a Put) in the same TransactWriteItems as the change; IAM
# checks each action of a transaction.
AUDITED = AUTHENTICATE | {"dynamodb:PutItem"}
AUDIT_INDEX = repr({"Fn::Sub": "${KeysTable.Arn}/index/by_audit_tenant"})
EVENT_BUS = repr(
    {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
)
DEAD_LETTERS = repr({"Fn::GetAtt": ["AuditEventsDeadLetterQueue", "Arn"]})
# What each function's code does to the table, and nothing more.
NEEDS: dict[str, dict[str, set[str]]] = {
    # PutItem: the key, its audit event and the idempotency record, all Puts of one
    # TransactWriteItems; GetItem: authentication and the replay's read of the key
    "CreateKeyFunction": {"table": AUDITED, **PUBLIC_KEYS, **MINT},
    "ListKeysFunction": {"table": AUTHENTICATE, "indexes": {"dynamodb:Query"}, **PUBLIC_KEYS},
    "ListAuditEventsFunction": {"table": AUTHENTICATE, AUDIT_INDEX: {"dynamodb:Query"}, **PUBLIC_KEYS},
    "GetKeyFunction": {"table": AUTHENTICATE, **PUBLIC_KEYS},
    # one read of the key, then a transaction: the key's Update and its event's Put
    "UpdateKeyFunction": {"table": AUDITED, **PUBLIC_KEYS},
    "SuspendKeyFunction": {"table": AUDITED, **PUBLIC_KEYS},
    "ActivateKeyFunction": {"table": AUDITED, **PUBLIC_KEYS},
    "RevokeKeyFunction": {"table": AUDITED, **PUBLIC_KEYS},
    "DeleteKeyFunction": {"table": AUDITED | {"dynamodb:DeleteItem"}, **PUBLIC_KEYS},
    # one read of the old key, then a transaction: Put of the successor + Update of the old key +
    # the Puts of their events
    "RotateKeyFunction": {"table": AUDITED, **PUBLIC_KEYS, **MINT},
    # the stream function: a TTL removal's system event (one conditional Put), the default event
    # bus, and the dead-letter queue of batches it could not publish
    "PublishAuditEventsFunction": {
        "table": {"dynamodb:PutItem"},
        EVENT_BUS: {"events:PutEvents"},
        DEAD_LETTERS: {"sqs:SendMessage"},
    },
    "VerifyFunction": {"table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}, **PUBLIC_KEYS},  # read + use
    "AuthorizerFunction": {"table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}, **PUBLIC_KEYS},
    "JwksFunction": PUBLIC_KEYS,  # the public halves, for the JWKS
    "WhoamiFunction": {},  # the principal comes from the authorizer's context
    "ConsoleFunction": {},  # static files from its own package; no table, no key
    "OpenApiFunction": {},
    "FallbackFunction": {},
}
FUNCTIONS = {f.logical_id: f for f in functions(TEMPLATE)}


def granted(properties: Mapping[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for policy in properties.get("Policies") or []:
        assert set(policy) == {"Statement"}, f"only inline statements: {policy}"
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and "Condition" not in statement
            resource = statement["Resource"]
            where = {repr(TABLE): "table", repr(INDEXES): "indexes", repr(SIGNING_KEY): "signing key"}.get(
                repr(resource), "signing keys" if resource == SIGNING_KEYS else repr(resource)
            )
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            found.setdefault(where, set()).update(actions)
    return found


def test_every_function_is_listed_here() -> None:
    assert set(FUNCTIONS) == set(NEEDS), "a function was added or removed: say what it needs"


@pytest.mark.parametrize("logical_id", sorted(NEEDS))
def test_function_holds_exactly_the_actions_it_needs(logical_id: str) -> None:
    assert granted(FUNCTIONS[logical_id].properties) == NEEDS[logical_id]


@pytest.mark.parametrize(
    ("api_name", "log_group"),
    [("HttpApi", "ApiAccessLogGroup"), ("InternalApi", "InternalApiAccessLogGroup")],
)
def test_both_http_apis_are_throttled_and_logged(api_name: str, log_group: str) -> None:
    api = RESOURCES[api_name]["Properties"]
    route = api["DefaultRouteSettings"]
    assert route["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurstLimit"}
    assert route["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
    parameters = TEMPLATE["Parameters"]
    assert (
        int(parameters["ThrottleBurstLimit"]["Default"]) > 0
        and int(parameters["ThrottleRateLimit"]["Default"]) > 0
    )
    logs = api["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    line = Resolver(TEMPLATE, "keys").resolve(logs["Format"])
    for field in ("$context.requestId", "$context.status", "$context.identity.sourceIp", "$context.routeKey"):
        assert field in line
    assert "authorization" not in line.lower(), "access logs never hold credentials"
    assert RESOURCES[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_checkov_skip_has_a_reason() -> None:
    skips = 0
    for name, resource in RESOURCES.items():
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip") or []:
            skips += 1
            assert skip["id"].startswith("CKV_"), name
            assert len(str(skip.get("comment", ""))) >= 20, f"{name}: {skip['id']} needs its reason"
    assert skips > 0
