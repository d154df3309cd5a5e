"""``keysmith``: manage and verify Keysmith API keys from a terminal or a script.

Exit codes: 0 done; 1 nothing was sent or the CLI could not finish locally (not signed in, no AWS
credentials, an --output file that exists); 2 usage error; 3 the API refused the request (4xx);
4 the API failed or did not answer (5xx, time-out, connection error, after the retries); 5 only
from ``keysmith verify``: the answer came back and the key is not valid.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import IO

from ..errors import ClientError, ConnectionFailed, KeysmithError, ServerError
from .commands import COMMANDS
from .exits import EXIT_FAILED, EXIT_LOCAL, EXIT_REFUSED, EXIT_USAGE, LocalFailure, UsageFailure
from .parser import build_parser

__all__ = ["build_parser", "main"]


# ------------------------------------------------------------------------------ running
def main(
    argv: Sequence[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) and argparse's usage errors (2)
        return int(stop.code or 0)
    as_json = bool(getattr(args, "json", False))
    try:
        return COMMANDS[(args.command, getattr(args, "action", None))](args, out, err)
    except UsageFailure as failure:
        parser.print_usage(err)
        print(f"keysmith: error: {failure}", file=err)
        return EXIT_USAGE
    except LocalFailure as failure:
        print(f"keysmith: {failure}", file=err)
        return EXIT_LOCAL
    except KeysmithError as error:
        _print_error(error, err, as_json)
        if isinstance(error, ClientError):
            return EXIT_REFUSED
        if isinstance(error, (ServerError, ConnectionFailed)):
            return EXIT_FAILED
        return EXIT_LOCAL


def _print_error(error: KeysmithError, err: IO[str], as_json: bool) -> None:
    if as_json and isinstance(error.body, dict):
        print(json.dumps(error.body, indent=2), file=err)
        return
    if error.status is None:
        print(f"keysmith: {error}", file=err)
        return
    line = f"keysmith: {error.status} {error.title or 'error'}"
    if error.detail:
        line += f": {error.detail}"
    if error.request_id:
        line += f" (request {error.request_id})"
    print(line, file=err)
    for problem in error.errors:
        print(f"  {problem.get('pointer', '')}: {problem.get('detail', '')}", file=err)
    if error.retry_after is not None and isinstance(error, ServerError):
        print(f"  the API asks to retry after {error.retry_after:g} s", file=err)
