"""template.yaml against the code and the contract, without building anything (fast).

Routes match keysmith.http.routes, every function has its code, its own log group and a
least-privilege policy, the table is the one the store expects, and the environment parses as the
layer's settings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from keysmith.http.routes import INTERNAL_ROUTES, PUBLIC_ROUTES, ROUTES
from keysmith.settings import Settings
from local.template import (
    functions,
    global_environment,
    http_apis,
    load_template,
    table_definition,
    ttl_attribute,
)
from tests.packaging.sam import REPO

TEMPLATE = load_template(REPO / "template.yaml")
FUNCTIONS = functions(TEMPLATE)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
ENV_NAMES = {
    "PYDANTIC_DISABLE_PLUGINS",
    "TABLE_NAME",
    "TOKEN_PREFIX",
    "ALLOWED_SCOPES",
    "MAX_KEY_LIFETIME_DAYS",
    "RETENTION_DAYS",
    "AUDIT_RETENTION_DAYS",
    "JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "TENANT_CLAIM",
    "ROLES_CLAIM",
    "LAST_USED_RESOLUTION_SECONDS",
    "VERIFY_CACHE_TTL_SECONDS",
    "DEFAULT_KEY_FORMAT",
    "SIGNING_KEY",
    "PREVIOUS_SIGNING_KEYS",
    "KEY_ISSUER",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "DYNAMODB_ENDPOINT_URL",  # empty when deployed; for sam local invoke --env-vars
}
# Actions that read or change more than the operation needs: never granted to any function.
FORBIDDEN_ACTIONS = re.compile(
    r"^(\*|dynamodb:\*|dynamodb:Scan|dynamodb:Batch\w+|dynamodb:PartiQL\w+|kms:\*|kms:Decrypt|kms:Encrypt)$"
)
SIGNING_KEY_ARN = {"Fn::GetAtt": ["SigningKey", "Arn"]}


def _of_type(kind: str) -> dict[str, Mapping[str, Any]]:
    return {name: r for name, r in RESOURCES.items() if r.get("Type") == kind}


PUBLIC_API, INTERNAL_API = "HttpApi", "InternalApi"
MANAGEMENT_FUNCTIONS = {
    "CreateKeyFunction",
    "ListKeysFunction",
    "GetKeyFunction",
    "UpdateKeyFunction",
    "DeleteKeyFunction",
    "SuspendKeyFunction",
    "ActivateKeyFunction",
    "RevokeKeyFunction",
    "RotateKeyFunction",
    "ListAuditEventsFunction",
}


def _routes(api: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(method, path) -> (function, auth) of one HTTP API, each route asserted to be served once."""
    served = Counter((r.method, r.path) for f in FUNCTIONS for r in f.routes if r.api == api)
    assert all(count == 1 for count in served.values()), f"served twice on {api}: {served}"
    return {(r.method, r.path): (f.logical_id, r.auth) for f in FUNCTIONS for r in f.routes if r.api == api}


def test_every_route_has_exactly_one_function_and_every_function_route_is_known() -> None:
    # The console is a static page served beside the API, not one of its JSON routes.
    served = {
        route
        for api in (PUBLIC_API, INTERNAL_API)
        for route, (function, _) in _routes(api).items()
        if route[1] != "$default" and function != "ConsoleFunction"
    }
    assert served == set(ROUTES), (
        f"only in template: {served - set(ROUTES)}; only in keysmith.http.routes: {set(ROUTES) - served}"
    )
    assert {r.api for f in FUNCTIONS for r in f.routes} == {PUBLIC_API, INTERNAL_API}

    # and the fallback's table of each API says what that API serves (404 elsewhere, not 405)
    for api, table in ((PUBLIC_API, PUBLIC_ROUTES), (INTERNAL_API, INTERNAL_ROUTES)):
        on_api = {
            route
            for route, (function, _) in _routes(api).items()
            if route[1] != "$default" and function != "ConsoleFunction"
        }
        assert on_api == set(table), (
            f"{api}: only in template {on_api - set(table)}, only in table {set(table) - on_api}"
        )


def test_the_default_route_of_each_api_goes_to_the_fallback_function() -> None:
    for api in (PUBLIC_API, INTERNAL_API):
        assert _routes(api)[("ANY", "$default")][0] == "FallbackFunction"


def test_the_internal_api_serves_the_management_routes_and_verify_with_iam_on_every_route() -> None:
    """Over the same functions: a trusted backend manages keys and verifies them with SigV4."""
    public, internal = _routes(PUBLIC_API), _routes(INTERNAL_API)
    assert all(auth == "AWS_IAM" for _, auth in internal.values()), internal
    assert {function for function, _ in internal.values()} == MANAGEMENT_FUNCTIONS | {
        "VerifyFunction",
        "FallbackFunction",
    }
    for route, (function, _) in public.items():
        if function in MANAGEMENT_FUNCTIONS:
            assert internal[route][0] == function, f"{route} is public only"
    # verify lives on the internal API only; whoami (API keys) and the document stay public only
    assert ("POST", "/v1/verify") in internal and ("POST", "/v1/verify") not in public
    assert {("GET", "/v1/whoami"), ("GET", "/v1/openapi.json")} <= set(public) - set(internal)
    auth = RESOURCES[INTERNAL_API]["Properties"]["Auth"]
    assert auth == {"EnableIamAuthorizer": True, "DefaultAuthorizer": "AWS_IAM"}
    assert not any(
        (e.get("Properties") or {}).get("Auth")
        for f in FUNCTIONS
        for e in (f.properties.get("Events") or {}).values()
        if (e.get("Properties") or {}).get("ApiId") == {"Ref": INTERNAL_API}
    ), "no internal route may override the API's AWS_IAM"


def test_auth_per_public_route() -> None:
    """Only whoami uses the Lambda authorizer; the rest check credentials themselves."""
    auth = {function: route_auth for function, route_auth in _routes(PUBLIC_API).values()}
    assert auth.pop("WhoamiFunction") == "KeyAuthorizer"
    assert set(auth.values()) == {None}
    api_auth = RESOURCES[PUBLIC_API]["Properties"]["Auth"]
    assert "DefaultAuthorizer" not in api_auth, "the Lambda authorizer must not guard every route"
    assert "EnableIamAuthorizer" not in api_auth, "no public route takes IAM"
    authorizer = api_auth["Authorizers"]["KeyAuthorizer"]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    # SAM adds the lambda:InvokeFunction permission for API Gateway only when asked to.
    assert authorizer.get("EnableFunctionDefaultPermissions") is True


def test_every_function_folder_has_its_handler_module() -> None:
    missing = [
        f"{f.logical_id}: {f.code_uri}/{f.module}.py"
        for f in FUNCTIONS
        if not (REPO / f.code_uri / f"{f.module}.py").is_file()
    ]
    assert not missing, f"functions without code yet: {missing}"


def test_every_function_has_its_own_log_group_with_retention() -> None:
    groups = _of_type("AWS::Logs::LogGroup")
    by_name = {
        str(g["Properties"]["LogGroupName"].get("Fn::Sub")): g["Properties"]
        for g in groups.values()
        if isinstance(g["Properties"].get("LogGroupName"), Mapping)
    }
    for function in FUNCTIONS:
        group = by_name.get(f"/aws/lambda/${{{function.logical_id}}}")
        assert group is not None, (
            f"{function.logical_id} has no /aws/lambda/${{{function.logical_id}}} log group"
        )
        assert group.get("RetentionInDays"), f"{function.logical_id}'s log group keeps logs forever"


def _statements(function_properties: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for policy in function_properties.get("Policies") or []:
        assert isinstance(policy, Mapping) and set(policy) == {"Statement"}, (
            f"only hand-written statements, no managed policies or SAM policy templates: {policy}"
        )
        yield from policy["Statement"]


# Beyond the table: the audit publisher puts events on the default bus and, after the stream's
# retries, sends a failed batch's position to its dead-letter queue. Nothing else, nowhere else.
OTHER_GRANTS = {
    ("events:PutEvents", "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"),
    ("sqs:SendMessage", "AuditEventsDeadLetterQueue"),
}


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.logical_id for f in FUNCTIONS])
def test_function_policy_is_least_privilege(function: Any) -> None:
    for statement in _statements(function.properties):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert statement["Effect"] == "Allow"
        assert not [a for a in actions if FORBIDDEN_ACTIONS.match(a)], f"{function.logical_id}: {actions}"
        resource = statement["Resource"]
        assert resource != "*", f"{function.logical_id}: a statement on every resource"
        if all(a.startswith("kms:") for a in actions):
            assert set(actions) <= {"kms:Sign", "kms:GetPublicKey"}
            assert "SigningKey" in str(resource)
            continue
        if all(a.startswith("dynamodb:") for a in actions):
            assert "KeysTable" in str(resource)
            continue
        assert function.logical_id == "PublishAuditEventsFunction", actions
        (action,) = actions
        place = resource.get("Fn::Sub") or resource.get("Fn::GetAtt", [""])[0]
        assert (action, place) in OTHER_GRANTS, (action, resource)


def _actions(logical_id: str, service: str = "dynamodb") -> set[str]:
    function = next(f for f in FUNCTIONS if f.logical_id == logical_id)
    found: set[str] = set()
    for statement in _statements(function.properties):
        action = statement["Action"]
        found.update(a for a in (action if isinstance(action, list) else [action]) if a.startswith(service))
    return found


def test_signing_key_use_per_function() -> None:
    """kms:Sign only where JWT keys are minted; kms:GetPublicKey wherever one may be presented (every
    function that authenticates API-key callers, verify, the authorizer) and for the JWKS."""
    minting = {"CreateKeyFunction", "RotateKeyFunction"}
    checking = {
        f"{name}Function"
        for name in (
            *("CreateKey", "ListKeys", "GetKey", "UpdateKey", "DeleteKey", "SuspendKey"),
            *("ActivateKey", "RevokeKey", "RotateKey", "ListAuditEvents", "Verify", "Authorizer", "Jwks"),
        )
    }
    for function in FUNCTIONS:
        expected = ({"kms:Sign"} if function.logical_id in minting else set()) | (
            {"kms:GetPublicKey"} if function.logical_id in checking else set()
        )
        assert _actions(function.logical_id, "kms:") == expected, function.logical_id
        for statement in _statements(function.properties):
            if statement["Action"] == ["kms:Sign"]:
                assert statement["Resource"] == SIGNING_KEY_ARN  # the current key only


def test_the_signing_key_is_an_ecc_p256_signing_key_kept_on_delete() -> None:
    key = RESOURCES["SigningKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        assert statement["Principal"] == {
            "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
        }
        assert "kms:*" not in statement["Action"]


def test_table_access_per_function() -> None:
    """What each operation does to the table (see the request budget in docs/api-reference.md)."""
    authenticate = {"dynamodb:GetItem", "dynamodb:UpdateItem"}  # an API-key caller: read + last-used
    assert _actions("ListKeysFunction") == authenticate | {"dynamodb:Query"}
    assert _actions("CreateKeyFunction") == authenticate | {"dynamodb:PutItem"}
    assert _actions("RotateKeyFunction") == authenticate | {"dynamodb:PutItem"}
    # a change and its audit event are one transaction: the key's Update or Delete and the event's Put
    assert _actions("DeleteKeyFunction") == authenticate | {"dynamodb:DeleteItem", "dynamodb:PutItem"}
    for name in ("Update", "Suspend", "Activate", "Revoke"):
        assert _actions(f"{name}KeyFunction") == authenticate | {"dynamodb:PutItem"}
    assert _actions("GetKeyFunction") == authenticate
    assert _actions("ListAuditEventsFunction") == authenticate | {"dynamodb:Query"}
    # the stream function: the system event of a TTL removal, the bus, the dead-letter queue
    assert _actions("PublishAuditEventsFunction") == {"dynamodb:PutItem"}
    assert _actions("PublishAuditEventsFunction", "events:") == {"events:PutEvents"}
    assert _actions("PublishAuditEventsFunction", "sqs:") == {"sqs:SendMessage"}
    assert _actions("VerifyFunction") == authenticate
    assert _actions("AuthorizerFunction") == authenticate
    for logical_id in ("WhoamiFunction", "OpenApiFunction", "FallbackFunction"):
        assert _actions(logical_id) == set(), f"{logical_id} needs no table access"


def test_queries_only_on_the_indexes() -> None:
    function = next(f for f in FUNCTIONS if f.logical_id == "ListKeysFunction")
    for statement in _statements(function.properties):
        if "dynamodb:Query" in statement["Action"]:
            assert statement["Resource"] == {"Fn::Sub": "${KeysTable.Arn}/index/*"}


def test_table_has_ttl_pitr_and_the_store_indexes() -> None:
    (table,) = _of_type("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert ttl_attribute(TEMPLATE) == "ttl"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    definition = table_definition(TEMPLATE)
    assert definition["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    indexes = {i["IndexName"]: i for i in definition["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_tenant", "by_owner", "by_audit_tenant"}
    assert [k["AttributeName"] for k in indexes["by_tenant"]["KeySchema"]] == ["tenant_id", "created_sk"]
    assert [k["AttributeName"] for k in indexes["by_owner"]["KeySchema"]] == ["owner_key", "created_sk"]
    audit = [k["AttributeName"] for k in indexes["by_audit_tenant"]["KeySchema"]]
    assert audit == ["audit_tenant", "audit_sk"]
    assert all(i["Projection"] == {"ProjectionType": "ALL"} for i in indexes.values())


def test_table_definition_creates_a_table() -> None:
    """local.template.table_definition is what tests and the local server pass to create_table."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="keysmith-keys", **table_definition(TEMPLATE))
        described = client.describe_table(TableName="keysmith-keys")["Table"]
    indexes = {i["IndexName"] for i in described["GlobalSecondaryIndexes"]}
    assert indexes == {"by_tenant", "by_owner", "by_audit_tenant"}


def test_globals_and_environment() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Handler"] == "app.handler"
    assert function_globals["Tracing"] == "Active"
    assert function_globals["Layers"] == [{"Ref": "CommonLayer"}]
    environment = global_environment(TEMPLATE)
    assert set(environment) == ENV_NAMES
    assert environment["DYNAMODB_ENDPOINT_URL"] == ""
    settings = Settings.from_env(environment)
    assert settings.table_name == "keysmith-keys"
    assert settings.token_prefix == "ks"
    assert settings.allowed_scopes == ("read", "write")
    assert settings.max_key_lifetime_days == 0 and settings.retention_days == 30
    assert settings.last_used_resolution_seconds == 60 and settings.verify_cache_ttl_seconds == 0
    assert environment["POWERTOOLS_SERVICE_NAME"] == "keysmith"
    assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    # no pydantic plugin is used, so no cold start scans the installed distributions for one
    assert environment["PYDANTIC_DISABLE_PLUGINS"] == "__all__"


def test_every_function_is_traced_by_lambda() -> None:
    """Lambda's active tracing is the functions' only tracer: no function may turn it off."""
    default = TEMPLATE["Globals"]["Function"]["Tracing"]
    assert default == "Active"
    for spec in functions(TEMPLATE):
        assert spec.properties.get("Tracing", default) == "Active", spec.logical_id


def test_environment_follows_parameter_overrides() -> None:
    environment = global_environment(
        TEMPLATE, {"TABLE_NAME": "t1"}, {"AllowedScopes": "read,write,admin", "TokenPrefix": "acme"}
    )
    settings = Settings.from_env(environment)
    assert (settings.table_name, settings.token_prefix) == ("t1", "acme")
    assert settings.allowed_scopes == ("read", "write", "admin")


def test_no_function_sets_its_own_copy_of_the_settings() -> None:
    """Settings are global: a function-level override would make one function disagree with another."""
    for function in FUNCTIONS:
        own = (function.properties.get("Environment") or {}).get("Variables") or {}
        assert not set(own) & ENV_NAMES, f"{function.logical_id} overrides {set(own) & ENV_NAMES}"


def test_layer_is_built_by_sam_for_python_3_13_arm64() -> None:
    layer = RESOURCES["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/common"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"]["BuildMethod"] == "python3.13"
    assert (REPO / "layers" / "common" / "requirements.txt").is_file()


def test_cors_is_off_by_default_and_names_exactly_what_the_public_routes_use() -> None:
    assert http_apis(TEMPLATE)[PUBLIC_API].cors is None  # no origins: no configuration at all
    origins = "https://app.example.com,https://admin.example.com"
    cors = http_apis(TEMPLATE, {"CorsAllowedOrigins": origins})[PUBLIC_API].cors
    assert cors is not None
    public_methods = {
        r.method for f in FUNCTIONS for r in f.routes if r.api == PUBLIC_API and r.method != "ANY"
    }
    assert cors["AllowOrigins"] == origins.split(",")
    assert sorted(cors["AllowMethods"]) == sorted(public_methods) == ["DELETE", "GET", "PATCH", "POST"]
    assert cors["AllowHeaders"] == ["authorization", "content-type", "idempotency-key"]
    assert cors["ExposeHeaders"] == ["x-request-id", "retry-after", "idempotent-replayed"]
    assert 0 < cors["MaxAge"] <= 7200 and "AllowCredentials" not in cors  # Bearer headers, no cookies
    assert http_apis(TEMPLATE, {"CorsAllowedOrigins": origins})[INTERNAL_API].cors is None  # SigV4 only


def test_outputs_name_both_apis_and_export_the_authorizer() -> None:
    outputs = TEMPLATE["Outputs"]
    assert set(outputs) >= {
        "ApiUrl",
        "InternalApiUrl",
        "TableName",
        "AuthorizerFunctionArn",
        "CommonLayerArn",
    }
    assert "${HttpApi}" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert "${InternalApi}" in outputs["InternalApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["AuthorizerFunctionArn"]["Export"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-AuthorizerFunctionArn"
    }
    authorizer = next(f for f in FUNCTIONS if f.logical_id == "AuthorizerFunction")
    assert authorizer.routes == ()


def test_every_parameter_has_a_default_and_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Parameters\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Parameters' section"
    section = match.group(1)
    for name, parameter in TEMPLATE["Parameters"].items():
        assert "Default" in parameter, f"{name} has no default"
        assert parameter.get("Description"), f"{name} has no Description"
        assert f"`{name}`" in section, f"README's Parameters table does not list {name}"
