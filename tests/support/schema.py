"""Holds values against the schemas of the committed OpenAPI document with ``jsonschema`` (JSON
Schema 2020-12, the dialect OpenAPI 3.1 uses). ``format`` stays an annotation, as the standard says."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator


def errors(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms), as ``pointer: reason``.
    Local references (``#/components/...``) resolve against ``document``."""
    rooted = {**schema, "components": document.get("components", {})}
    Draft202012Validator.check_schema(rooted)
    validator = Draft202012Validator(rooted)
    return [
        "/" + "/".join(str(part) for part in error.absolute_path) + f": {error.message}"
        for error in validator.iter_errors(value)
    ]
