"""A small JSON Schema (2020-12 subset) checker for the keywords our OpenAPI document uses, so tests
can hold real requests and answers against the committed document without another dependency.

Supported: ``$ref`` (local), ``type``, ``const``, ``enum``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``minItems``/``maxItems``, ``minLength``/``maxLength``,
``minimum``/``maximum``, ``pattern``, ``anyOf``, ``oneOf``, ``allOf``. ``format`` is an annotation.
An unknown keyword fails loudly, so the checker never silently accepts what it cannot check.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = frozenset(
    {"title", "description", "format", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)
KNOWN = ANNOTATIONS | {
    "$ref",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "pattern",
    "anyOf",
    "oneOf",
    "allOf",
}
_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def errors(value: Any, schema: dict[str, Any], document: dict[str, Any], at: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms), as ``pointer: reason``."""
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"schema keywords this checker does not know: {sorted(unknown)}")
    found: list[str] = []
    where = at or "/"
    if "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        found += errors(value, target, document, at)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [*found, f"{where}: not of type {types}"]
    if "const" in schema and not _same(value, schema["const"]):
        found.append(f"{where}: not {schema['const']!r}")
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        found.append(f"{where}: not one of {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}: missing {name}")
        for name, item in value.items():
            if name in properties:
                found += errors(item, properties[name], document, f"{at}/{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: unexpected member {name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += errors(item, schema["additionalProperties"], document, f"{at}/{name}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{where}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                found += errors(item, schema["items"], document, f"{at}/{i}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            found.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            found.append(f"{where}: does not match {schema['pattern']}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: above {schema['maximum']}")
    if "allOf" in schema:
        for option in schema["allOf"]:
            found += errors(value, option, document, at)
    if "anyOf" in schema and all(errors(value, option, document, at) for option in schema["anyOf"]):
        found.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema:
        matching = sum(not errors(value, option, document, at) for option in schema["oneOf"])
        if matching != 1:
            found.append(f"{where}: matches {matching} of oneOf, not exactly one")
    return found
