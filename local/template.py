"""Read template.yaml the way the local tooling needs it: functions, HTTP APIs, environment, table.

``template.yaml`` is the one description of the stack. The local server, ``make invoke``, the tests
and the benchmarks take from here which function serves which route of which API, the environment
every function gets, and the exact DynamoDB table definition, so that nothing local drifts from
what is deployed. The CloudFormation syntax itself is read by ``local.cloudformation``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local.cloudformation import (
    DEFAULT_TABLE_NAME,
    REPO_ROOT,
    Resolver,
    TemplateError,
    load_template,
)

__all__ = [
    "REPO_ROOT",
    "FunctionSpec",
    "HttpApiSpec",
    "HttpRoute",
    "TemplateError",
    "function_environment",
    "functions",
    "global_environment",
    "http_apis",
    "load_template",
    "table_definition",
    "ttl_attribute",
]

IAM_AUTH = "AWS_IAM"
HTTP_API = "AWS::Serverless::HttpApi"


@dataclass(frozen=True, slots=True)
class HttpApiSpec:
    """One ``AWS::Serverless::HttpApi``: its Lambda authorizers (name -> properties), the
    authorizer of routes that name none, and its CORS configuration with intrinsics resolved."""

    logical_id: str
    authorizers: Mapping[str, Mapping[str, Any]]
    default_authorizer: str | None
    cors: Mapping[str, Any] | None


def http_apis(
    template: Mapping[str, Any], parameters: Mapping[str, str] | None = None
) -> dict[str, HttpApiSpec]:
    """Every HttpApi of the template by logical id, in template order (``parameters`` as in
    ``sam deploy --parameter-overrides``; defaults otherwise)."""
    resolver = Resolver(template, DEFAULT_TABLE_NAME, parameters)
    apis: dict[str, HttpApiSpec] = {}
    for name, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != HTTP_API:
            continue
        properties = resource.get("Properties") or {}
        auth = properties.get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        if default is not None and not isinstance(default, str):
            raise TemplateError(f"{name}: DefaultAuthorizer must be a plain string")
        cors = resolver.resolve(properties.get("CorsConfiguration"))
        if cors is not None and not isinstance(cors, Mapping):
            raise TemplateError(f"{name}: only a CorsConfiguration object is read locally")
        apis[name] = HttpApiSpec(name, dict(auth.get("Authorizers") or {}), default, cors or None)
    return apis


def _api_of(logical_id: str, event: Mapping[str, Any], apis: Mapping[str, str | None]) -> str:
    api_id = event.get("ApiId")
    if isinstance(api_id, Mapping) and api_id.get("Ref") in apis:
        return str(api_id["Ref"])
    raise TemplateError(f"{logical_id}: every HttpApi event names its API with ApiId: !Ref <HttpApi>")


# ------------------------------------------------------------------------------------------ functions
@dataclass(frozen=True, slots=True)
class HttpRoute:
    """One HttpApi event of a function. ``api`` is the logical id of its HttpApi; ``auth`` is None
    (public or the function's own check), ``"AWS_IAM"``, or the name of a Lambda authorizer
    declared on that HttpApi (its ``DefaultAuthorizer`` when the event names none)."""

    method: str
    path: str
    auth: str | None = None
    api: str = "HttpApi"

    @property
    def route_key(self) -> str:
        """API Gateway's route key: ``"GET /v1/whoami"``, or ``"$default"``."""
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    routes: tuple[HttpRoute, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        """The handler's module name (``app`` for ``app.handler``)."""
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        """The handler's attribute name (``handler`` for ``app.handler``)."""
        return self.handler.rpartition(".")[2]


def _globals_function(template: Mapping[str, Any]) -> Mapping[str, Any]:
    globals_ = template.get("Globals") or {}
    function = globals_.get("Function") or {}
    if not isinstance(function, Mapping):
        raise TemplateError("Globals.Function is not a mapping")
    return function


def _auth_of(event_properties: Mapping[str, Any], default: str | None) -> str | None:
    auth = event_properties.get("Auth") or {}
    authorizer = auth.get("Authorizer", default) if isinstance(auth, Mapping) else default
    if authorizer in (None, "NONE"):
        return None
    if not isinstance(authorizer, str):
        raise TemplateError(f"unsupported Auth.Authorizer {authorizer!r}")
    return authorizer


def functions(template: Mapping[str, Any]) -> list[FunctionSpec]:
    """Every ``AWS::Serverless::Function`` in template order, with its HttpApi routes.

    ``code_uri`` is as written (relative to the template). ``Method: ANY`` with ``Path: $default``
    (or an HttpApi event with neither) is the catch-all ``$default`` route.
    """
    defaults = _globals_function(template)
    default_auth = {name: api.default_authorizer for name, api in http_apis(template).items()}
    specs: list[FunctionSpec] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties: Mapping[str, Any] = resource.get("Properties") or {}
        code_uri = properties.get("CodeUri", defaults.get("CodeUri"))
        handler = properties.get("Handler", defaults.get("Handler"))
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings")
        routes: list[HttpRoute] = []
        for event in (properties.get("Events") or {}).values():
            if not isinstance(event, Mapping) or event.get("Type") != "HttpApi":
                continue
            event_properties: Mapping[str, Any] = event.get("Properties") or {}
            path = event_properties.get("Path", "$default")
            method = str(event_properties.get("Method", "ANY")).upper()
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            if not isinstance(path, str):
                raise TemplateError(f"{logical_id}: Path must be a plain string")
            api = _api_of(logical_id, event_properties, default_auth)
            auth = _auth_of(event_properties, default_auth[api])
            routes.append(HttpRoute(method=method, path=path, auth=auth, api=api))
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                code_uri=code_uri,
                handler=handler,
                routes=tuple(routes),
                properties=properties,
            )
        )
    return specs


# ------------------------------------------------------------------------------------------ environment


def _as_env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def global_environment(
    template: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``Globals.Function.Environment.Variables`` as the deployed functions see them, as strings.

    Parameters take their defaults unless ``parameters`` (name -> value, as in ``sam deploy
    --parameter-overrides``) says otherwise; ``!Ref KeysTable`` becomes ``overrides["TABLE_NAME"]``
    or ``keysmith-keys``. ``overrides`` then replaces or adds variables (e.g. DYNAMODB_ENDPOINT_URL).
    """
    overrides = dict(overrides or {})
    resolver = Resolver(template, overrides.get("TABLE_NAME", DEFAULT_TABLE_NAME), parameters)
    variables = (_globals_function(template).get("Environment") or {}).get("Variables") or {}
    environment = {str(name): _as_env_value(resolver.resolve(value)) for name, value in variables.items()}
    environment.update(overrides)
    return environment


def function_environment(
    template: Mapping[str, Any],
    function: FunctionSpec,
    overrides: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The global environment plus the function's own ``Environment.Variables`` (which win)."""
    overrides = dict(overrides or {})
    environment = global_environment(template, overrides, parameters)
    resolver = Resolver(template, overrides.get("TABLE_NAME", DEFAULT_TABLE_NAME), parameters)
    own = (function.properties.get("Environment") or {}).get("Variables") or {}
    environment.update({str(name): _as_env_value(resolver.resolve(value)) for name, value in own.items()})
    environment.update(overrides)
    return environment


# ------------------------------------------------------------------------------------------ table


def _keys_table(template: Mapping[str, Any], logical_id: str | None) -> Mapping[str, Any]:
    tables = {
        name: resource
        for name, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::DynamoDB::Table"
    }
    if logical_id is not None:
        if logical_id not in tables:
            raise TemplateError(f"no AWS::DynamoDB::Table named {logical_id}")
        return tables[logical_id]
    if len(tables) != 1:
        raise TemplateError(f"expected exactly one AWS::DynamoDB::Table, found {sorted(tables)}")
    return next(iter(tables.values()))


def table_definition(template: Mapping[str, Any], logical_id: str | None = None) -> dict[str, Any]:
    """Keyword arguments for boto3's ``create_table`` (all but ``TableName``), from the template.

    Only what ``create_table`` takes and DynamoDB Local honours: attribute definitions, key schema,
    global secondary indexes and billing mode. TTL is set by a separate call: see :func:`ttl_attribute`.
    """
    properties = _keys_table(template, logical_id).get("Properties") or {}
    definition: dict[str, Any] = {
        "AttributeDefinitions": copy.deepcopy(list(properties["AttributeDefinitions"])),
        "KeySchema": copy.deepcopy(list(properties["KeySchema"])),
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    indexes = properties.get("GlobalSecondaryIndexes")
    if indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["IndexName"],
                "KeySchema": copy.deepcopy(list(index["KeySchema"])),
                "Projection": copy.deepcopy(dict(index["Projection"])),
            }
            for index in indexes
        ]
    if definition["BillingMode"] == "PROVISIONED" and "ProvisionedThroughput" in properties:
        definition["ProvisionedThroughput"] = copy.deepcopy(dict(properties["ProvisionedThroughput"]))
    return definition


def ttl_attribute(template: Mapping[str, Any], logical_id: str | None = None) -> str | None:
    """The table's TTL attribute name when TTL is enabled (for ``update_time_to_live``), else None."""
    properties = _keys_table(template, logical_id).get("Properties") or {}
    ttl = properties.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled") in (True, "true", "True") and ttl.get("AttributeName"):
        return str(ttl["AttributeName"])
    return None
