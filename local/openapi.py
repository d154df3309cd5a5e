"""Generate the OpenAPI 3.1 document from the functions' routes (``make openapi``), or check that
the committed copy has not drifted (``--check``; the test suite does the same)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"
TITLE = "Keysmith"
VERSION = "1.0.0"
DESCRIPTION = (
    "API keys and personal access tokens: create, list, inspect, change, suspend, re-activate, "
    "revoke, rotate with a grace period, delete, and verify. Errors are RFC 9457 problem details."
)


def load_function(folder: str) -> ModuleType:
    """Import functions/<folder>/app.py under a unique module name."""
    path = ROOT / "functions" / folder / "app.py"
    spec = importlib.util.spec_from_file_location(f"keysmith_function_{folder}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def generate() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from keysmith.http.answers import scope_schema
    from keysmith.settings import DEFAULT_ALLOWED_SCOPES

    app = APIGatewayHttpResolver(enable_validation=True)
    folders = (p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
    for folder in sorted(f for f in folders if f != "openapi"):  # it serves this document
        module = load_function(folder)
        router = getattr(module, "router", None) or getattr(module, "DOCS_ROUTER", None)
        if router is not None:
            app.include_router(router)
    from local import openapi_docs  # the lean handlers (verify, whoami) have no router of their own

    app.include_router(openapi_docs.DOCS_ROUTER)
    schema = app.get_openapi_schema(title=TITLE, version=VERSION, description=DESCRIPTION)
    document: dict[str, Any] = json.loads(schema.model_dump_json(by_alias=True, exclude_none=True))
    document.setdefault("components", {})["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A session JWT from the deploy's OIDC issuer, or an API key issued by Keysmith.",
        }
    }
    document["security"] = [{"bearer": []}]
    openapi_docs.annotate(document)
    # the default deploy's scopes; the openapi function serves its own deploy's (functions/openapi)
    document["components"]["schemas"]["Scope"] = scope_schema(DEFAULT_ALLOWED_SCOPES)
    _drop_framework_validation_answers(document)
    _add_referenced_models(document)
    _no_body_for_204(document)
    return document


def _add_referenced_models(document: dict[str, Any]) -> None:
    """Responses declared with ``keysmith.http.schemas.resources.json_content`` name their model by ``$ref``
    only; Powertools does not see those models, so their schemas are added here, every ``$ref``
    of the document then resolves."""
    from pydantic.json_schema import models_json_schema

    from keysmith.http.schemas import audit_events, key_requests, resources

    def model(name: str) -> Any:
        return next(getattr(m, name) for m in (resources, key_requests, audit_events) if hasattr(m, name))

    components = document.setdefault("components", {}).setdefault("schemas", {})
    prefix = "#/components/schemas/"
    referenced = set(re.findall(r'"\$ref": "#/components/schemas/([A-Za-z0-9_]+)"', json.dumps(document)))
    missing = sorted(name for name in referenced if name not in components)
    if not missing:
        return
    _, top = models_json_schema(
        [(model(name), "serialization") for name in missing], ref_template=prefix + "{model}"
    )
    for name, schema in top.get("$defs", {}).items():
        components.setdefault(name, schema)


def _drop_framework_validation_answers(document: dict[str, Any]) -> None:
    """Powertools documents a 422 ``HTTPValidationError`` on every validated route. Keysmith never
    answers that shape (query errors are 400 and body errors 422, both problem+json, declared by
    each route), so it comes out of the document."""
    marker = "#/components/schemas/HTTPValidationError"
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in list(operation.get("responses", {}).items()):
                if marker in json.dumps(response):
                    del operation["responses"][status]
    schemas = document.get("components", {}).get("schemas", {})
    if marker not in json.dumps(document["paths"]):
        schemas.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError" not in json.dumps({**document["paths"], **schemas}):
            schemas.pop("ValidationError", None)


def _no_body_for_204(document: dict[str, Any]) -> None:
    """A 204 answer has no body: Powertools documents the handler's return type for it anyway."""
    for item in document["paths"].values():
        for operation in item.values():
            no_content = operation.get("responses", {}).get("204")
            if no_content is not None:
                no_content.pop("content", None)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write functions/openapi/openapi.json")
    parser.add_argument("--check", action="store_true", help="fail when the committed document drifted")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("TABLE_NAME", "openapi-generation")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    text = render(generate())
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text(encoding="utf-8") != text:
            print("functions/openapi/openapi.json is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    if args.write:
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
