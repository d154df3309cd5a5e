"""The $default route: problem+json 404 for unknown paths and 405 (with Allow) for a known path
with another method, so API Gateway's bare {"message": "Not Found"} never reaches a client."""

from typing import Any

from keysmith.problems import Problem, problem_response, request_id_of
from keysmith.routes import allowed_methods


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request_id = request_id_of(event)
    path = str(event.get("rawPath") or "/")
    methods = allowed_methods(path)
    if methods:
        method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
        problem = Problem(
            "method-not-allowed",
            f"{method or 'This method'} is not allowed on {path}; use {', '.join(methods)}.",
            headers={"Allow": ", ".join(methods)},
        )
    else:
        problem = Problem("not-found", f"No route matches {path}.")
    return problem_response(problem, path, request_id)
