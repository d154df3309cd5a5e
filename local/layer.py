"""The one module of ``local/`` that reaches into the keysmith layer, so that the development-only
routes answer with the API's own identifier rule, body rules and problem+json shape.

The layer is importable only once the stack has put it on ``sys.path`` (``local.lambda_runtime``),
so every import happens inside a function.
"""

from __future__ import annotations

import re
from typing import Any


def problem_type() -> type[Exception]:
    """The layer's problem exception (slug, detail, errors, headers)."""
    from keysmith.domain.problems import Problem

    return Problem


def problem(
    slug: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Exception:
    from keysmith.domain.problems import Problem

    return Problem(slug, detail, errors=errors, headers=headers or {})


def problem_result(error: Exception, instance: str, request_id: str) -> dict[str, Any]:
    """The function result (payload 2.0) of a problem raised by ``problem`` or the layer."""
    from keysmith.domain.problems import Problem
    from keysmith.http.answers import problem_result as render

    assert isinstance(error, Problem)
    return render(error, instance, request_id)


def json_object_body(event: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON object, after the API's 413, 415 and 400 rules (raised as a problem)."""
    from keysmith.http.request_guard import REQUIRED_BODY, read_body

    return read_body(event, REQUIRED_BODY) or {}


def identifier() -> re.Pattern[str]:
    """The identifier grammar of user and tenant ids, as the session verifier reads them."""
    from keysmith.domain.grammar import IDENTIFIER

    return IDENTIFIER
