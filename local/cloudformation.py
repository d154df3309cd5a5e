"""CloudFormation as the local tooling reads it: the YAML with its short tags, and the intrinsic
functions evaluated with parameter values.

CloudFormation's short tags (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` ...) are read into their long
forms (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), as CloudFormation itself does. ``Resolver`` evaluates
the intrinsic functions the local tooling meets, with each parameter's default unless told otherwise;
``!Ref AWS::NoValue`` is ``None`` (the property is absent), as in a deployed stack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TABLE_NAME = "keysmith-keys"
NO_VALUE = "AWS::NoValue"

# Values of the pseudo parameters when the template is read locally.
PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "keysmith",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
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
    """A safe YAML loader that also accepts CloudFormation's short intrinsic-function tags, and
    refuses a key written twice in one mapping, as CloudFormation does (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise TemplateError(
                    f"{key!r} is written twice in one mapping (line {key_node.start_mark.line + 1})"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


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


def _is_intrinsic(key: str) -> bool:
    return key in ("Ref", "Condition") or key.startswith("Fn::")


class Resolver:
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

    def ref(self, name: str) -> str | list[str] | None:
        if name == NO_VALUE:
            return None
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

    def attribute(self, name: str, attribute: str) -> str:
        """``!GetAtt`` of what has a local stand-in: a KMS key's ARN (the local functions are given
        a key file instead, so the ARN is only a name)."""
        resource = (self.template.get("Resources") or {}).get(name) or {}
        if resource.get("Type") == "AWS::KMS::Key" and attribute == "Arn":
            region, account = PSEUDO_PARAMETERS["AWS::Region"], PSEUDO_PARAMETERS["AWS::AccountId"]
            return f"arn:aws:kms:{region}:{account}:key/{name}"
        raise TemplateError(f"!GetAtt {name}.{attribute} cannot be resolved locally")

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
                value = self.ref(name) or ""
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated; what ``AWS::NoValue`` leaves is dropped."""
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not None]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1 or not _is_intrinsic(next(iter(value))):
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not None}
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
            case "Fn::FindInMap":
                name, top, second = (str(self.resolve(item)) for item in argument)
                return (self.template.get("Mappings") or {})[name][top][second]
            case "Fn::GetAtt":
                return self.attribute(*(str(part) for part in argument))
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
            case _:
                raise TemplateError(f"{key} cannot be resolved locally")
