"""Invoking the template's functions with event files on a started local stack: placeholders
filled in (sessions minted, keys made through the gateway as a client would make them), then one
function called with the event, as ``sam local invoke`` would. ``make invoke`` and ``make bench``
use this; the command line is ``local.invoke``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from local.gateway import HttpRequest, new_request_id
from local.placeholders import CreatedKey, InvokeError, KeyPlan, SessionSpec, render
from local.stack import JwksServer, LocalStack
from local.template import REPO_ROOT
from local.terminal import Warn, stderr_warning

EVENTS_DIR = REPO_ROOT / "events"


class Invoker:
    """Invokes the template's functions with (rendered) events on a started LocalStack."""

    def __init__(self, stack: LocalStack, warn: Warn = stderr_warning) -> None:
        self.stack = stack
        self.warn = warn
        self.gateway = stack.gateway(warn=warn)

    def mint(self, spec: SessionSpec) -> str:
        token, _ = self.stack.signer.mint(spec.user_id, spec.tenant_id, list(spec.roles))
        return token

    def call_route(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        """A request through the gateway, as a client would make it; (status, JSON body)."""
        raw = json.dumps(body).encode() if body is not None else b""
        headers = [
            ("Host", "127.0.0.1"),
            ("User-Agent", "keysmith-local-invoke"),
            ("Authorization", f"Bearer {token}"),
        ]
        if raw:
            headers.append(("Content-Type", "application/json"))
        request = HttpRequest.from_target(method, path, headers, raw)
        response = self.gateway.handle(request, new_request_id())
        return response.status, json.loads(response.body) if response.body else None

    def make_key(self, plan: KeyPlan, owner: SessionSpec) -> CreatedKey:
        token = self.mint(owner)
        scopes = [s for s in os.environ.get("ALLOWED_SCOPES", "read").split(",") if s]
        status, body = self.call_route(
            "POST",
            "/v1/api-keys",
            token,
            {
                "name": f"make invoke: {plan.label}",
                "scopes": scopes,
                "metadata": {"created_by_make_invoke": "true"},  # tells them apart in the dev table
            },
        )
        if status != 201:
            raise InvokeError(f"creating key {plan.label!r} answered {status}: {json.dumps(body)}")
        created = CreatedKey(body["id"], body["key"])
        if plan.status in ("suspended", "revoked"):
            action = "suspend" if plan.status == "suspended" else "revoke"
            status, answer = self.call_route("POST", f"/v1/api-keys/{created.id}/{action}", token)
            if status != 200:
                raise InvokeError(
                    f"making key {plan.label!r} {plan.status} answered {status}: {json.dumps(answer)}"
                )
        print(
            f"invoke: key {plan.label!r} is {created.id} ({plan.status}, {owner.user_id}@{owner.tenant_id})",
            file=sys.stderr,
        )
        return created

    def render_file(self, path: Path) -> dict[str, Any]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InvokeError(f"cannot read the event {path}: {error.strerror}") from None
        rendered = render(text, self.mint, self.make_key)
        try:
            event = json.loads(rendered)
        except json.JSONDecodeError as error:
            raise InvokeError(f"{path} is not JSON: {error}") from None
        if not isinstance(event, dict):
            raise InvokeError(f"{path} must hold a JSON object (an API Gateway event)")
        return event

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.stack.functions.invoke(self.stack.functions.resolve(function).logical_id, event)


@contextlib.contextmanager
def started(stack: LocalStack) -> Iterator[Invoker]:
    """DynamoDB Local, the table, a JWKS endpoint and the environment, for one or more invocations."""
    with stack:
        stack.start_dynamodb()
        with JwksServer(stack.signer.jwks()) as jwks:
            stack.configure(jwks.url)
            yield Invoker(stack)


def lambda_error(error: BaseException) -> dict[str, Any]:
    """What Lambda reports for an unhandled exception (as ``sam local invoke`` prints it)."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
