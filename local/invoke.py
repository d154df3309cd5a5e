"""``make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json``: one function, one event, locally.

The event files are real API Gateway (payload 2.0) events with placeholders (``local.placeholders``;
README, "Local development"). The function runs as the local server runs it (``local.stack``,
``local.lambda_runtime``) on DynamoDB Local: the dev server's when it runs, else one started for
the invocation. The result goes to standard output, everything else to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from local import ddb
from local.invocation import EVENTS_DIR, Invoker, lambda_error, started
from local.lambda_runtime import FunctionNotFound, UnknownFunction
from local.placeholders import InvokeError
from local.stack import LOCAL_TABLE_NAME, LocalStack
from local.template import TemplateError
from local.terminal import stop_on_signals


def _split_targets(targets: list[str]) -> tuple[str | None, Path | None]:
    function: str | None = None
    event: Path | None = None
    for target in targets:
        if target.endswith(".json") or os.sep in target:
            event = Path(target)
        else:
            function = target
    return function, event


def _result_stream() -> IO[str]:
    """The real stdout for the result, with fd 1 pointed at stderr: function logs stay off the result."""
    sys.stdout.flush()
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.invoke",
        description="Invoke one function locally with an API Gateway event file and print its result.",
    )
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="FUNCTION|EVENT",
        help="a logical id (GetKeyFunction) or folder name (get_key), and/or an event file;"
        " either alone is enough: events/<folder>.json goes with functions/<folder>",
    )
    parser.add_argument("--all", action="store_true", help="invoke every events/*.json; one JSON line each")
    parser.add_argument("--render", action="store_true", help="print the event with placeholders filled in")
    parser.add_argument("--data-dir", type=Path, default=ddb.DEFAULT_DATA_DIR, help="default: .local/")
    parser.add_argument("--dynamodb-endpoint", help="use this DynamoDB (Local) instead of finding one")
    parser.add_argument("--table-name", default=LOCAL_TABLE_NAME)
    args = parser.parse_args(argv)
    function, event_path = _split_targets(args.targets)
    if not args.all and function is None and event_path is None:
        parser.error("name a FUNCTION, an EVENT file, or both (or --all)")
    stop_on_signals()
    out = _result_stream()
    try:
        stack = LocalStack(
            data_dir=args.data_dir, dynamodb_endpoint=args.dynamodb_endpoint, table_name=args.table_name
        )
        if not args.all:
            spec = stack.functions.resolve(function) if function else None
            if event_path is None:
                assert spec is not None
                event_path = EVENTS_DIR / f"{Path(spec.code_uri).name}.json"
            function = function or stack.functions.for_event_file(event_path).logical_id
        with started(stack) as invoker:
            if args.all:
                return _invoke_all(invoker, out)
            assert event_path is not None and function is not None
            event = invoker.render_file(event_path)
            if args.render:
                print(json.dumps(event, indent=2), file=out)
                return 0
            try:
                result = invoker.invoke(function, event)
            except Exception as error:
                traceback.print_exc()
                print(json.dumps(lambda_error(error), indent=2), file=out)
                return 1
            print(json.dumps(result, indent=2), file=out)
            return 0
    except (InvokeError, UnknownFunction, ddb.DynamoDBLocalError, FunctionNotFound, TemplateError) as error:
        print(f"invoke: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        out.flush()


def _invoke_all(invoker: Invoker, out: IO[str]) -> int:
    failures = 0
    for path in sorted(EVENTS_DIR.glob("*.json")):
        if path.name.startswith("env."):
            continue  # environment files for sam local invoke --env-vars, not events
        line: dict[str, Any] = {"event": f"events/{path.name}"}
        try:
            spec = invoker.stack.functions.for_event_file(path)
            line["function"] = spec.logical_id
            line["result"] = invoker.invoke(spec.logical_id, invoker.render_file(path))
        except Exception as error:
            if not isinstance(error, (InvokeError, LookupError)):
                traceback.print_exc()
            line["error"] = f"{type(error).__name__}: {error}"
            failures += 1
        print(json.dumps(line), file=out, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
