"""Read template.yaml the way the local tooling needs it: functions, routes, environment, table.

``template.yaml`` is the one description of the stack. The local server, ``make invoke``, the tests
and the benchmarks take from here which function serves which route, the environment every function
gets, and the exact DynamoDB table definition, so that nothing local drifts from what is deployed.

CloudFormation's short tags (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` ...) are read into their long
forms (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), as CloudFormation itself does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TABLE_NAME = "keysmith-keys"

# Values of the pseudo parameters when the template is read locally.
PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "keysmith",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": "",
}

_SHORT_TAGS = (
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "And",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "ToJsonString",
    "Length",
)


class TemplateError(ValueError):
    """The template has a shape this reader does not understand."""


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that also accepts CloudFormation's short intrinsic-function tags."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unexpected YAML node {node!r}")


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _construct(loader, node)}


def _condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _construct(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}": _construct(loader, node)}

    return construct


CloudFormationLoader.add_constructor("!Ref", _ref)
CloudFormationLoader.add_constructor("!Condition", _condition)
CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in _SHORT_TAGS:
    CloudFormationLoader.add_constructor(f"!{_name}", _function(_name))


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    """The template as a dict, intrinsic functions in their long form.

    A relative ``path`` that does not exist from the current directory is taken from the repository root.
    """
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = REPO_ROOT / candidate
    with candidate.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{candidate} is not a CloudFormation template")
    return document


# ------------------------------------------------------------------------------------------ functions


@dataclass(frozen=True, slots=True)
class HttpRoute:
    """One HttpApi event of a function. ``auth`` is None (public or the function's own check),
    ``"AWS_IAM"``, or the name of a Lambda authorizer declared on the HttpApi."""

    method: str
    path: str
    auth: str | None = None

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


def _auth_of(event_properties: Mapping[str, Any]) -> str | None:
    auth = event_properties.get("Auth") or {}
    authorizer = auth.get("Authorizer") if isinstance(auth, Mapping) else None
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
            routes.append(HttpRoute(method=method, path=path, auth=_auth_of(event_properties)))
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


# ------------------------------------------------------------------------------------------ values


class _Resolver:
    """Evaluates the intrinsic functions the local tooling meets, with parameter defaults."""

    def __init__(
        self,
        template: Mapping[str, Any],
        table_name: str,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.table_name = table_name
        self.parameters = dict(parameters or {})

    def parameter(self, name: str) -> str | list[str]:
        declared = (self.template.get("Parameters") or {}).get(name)
        if declared is None:
            raise TemplateError(f"unknown parameter {name}")
        if name in self.parameters:
            raw = self.parameters[name]
        elif "Default" in declared:
            raw = declared["Default"]
        else:
            raise TemplateError(f"parameter {name} has no default and no override")
        text = ",".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)
        if str(declared.get("Type", "String")).startswith(("CommaDelimitedList", "List<")):
            return [item.strip() for item in text.split(",")] if text else []
        return text

    def ref(self, name: str) -> str | list[str]:
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        resource = (self.template.get("Resources") or {}).get(name)
        if resource is None:
            raise TemplateError(f"!Ref to unknown name {name}")
        if resource.get("Type") == "AWS::DynamoDB::Table":
            return self.table_name
        return name

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def substitute(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.resolve(variables[name])
            elif "." in name and name.split(".", 1)[0] in (self.template.get("Resources") or {}):
                raise TemplateError(f"cannot resolve ${{{name}}} locally")
            else:
                value = self.ref(name)
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, argument),) = value.items()
        match key:
            case "Ref":
                return self.ref(str(argument))
            case "Condition":
                return self.condition(str(argument))
            case "Fn::Join":
                delimiter, items = argument
                resolved = self.resolve(items)
                flat: list[str] = []
                for item in resolved if isinstance(resolved, list) else [resolved]:
                    flat.extend(str(i) for i in item) if isinstance(item, list) else flat.append(str(item))
                return str(delimiter).join(flat)
            case "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(str(delimiter))
            case "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            case "Fn::Sub":
                if isinstance(argument, list):
                    text, variables = argument
                    return self.substitute(str(text), variables)
                return self.substitute(str(argument), {})
            case "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(str(name)) else when_false)
            case "Fn::Equals":
                left, right = (self.resolve(item) for item in argument)
                return str(left) == str(right)
            case "Fn::Not":
                return not self.resolve(argument[0])
            case "Fn::And":
                return all(self.resolve(item) for item in argument)
            case "Fn::Or":
                return any(self.resolve(item) for item in argument)
            case _ if key.startswith("Fn::"):
                raise TemplateError(f"{key} cannot be resolved locally")
            case _:
                return {key: self.resolve(argument)}


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
    resolver = _Resolver(template, overrides.get("TABLE_NAME", DEFAULT_TABLE_NAME), parameters)
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
    resolver = _Resolver(template, overrides.get("TABLE_NAME", DEFAULT_TABLE_NAME), parameters)
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
