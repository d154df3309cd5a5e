"""Reading the command line's values: scopes, metadata, restrictions and the --output secret file."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ..restrictions import Credits, RateLimit, Refill
from .exits import LocalFailure, UsageFailure

REFILL_INTERVALS = ("daily", "monthly")


def rfc3339(value: str) -> str:
    """An argparse type: a date-time with its offset (``2027-01-01T00:00:00Z``), sent as given."""
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in value.upper():
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date-time with an offset: {value!r}")
    return value


def whole_number(value: str) -> int:
    """An argparse type: 0, 1, 2, ..."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number of 0 or more: {value!r}")
    return int(value)


def scopes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [scope.strip() for value in values for scope in value.split(",") if scope.strip()]


def metadata(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    metadata: dict[str, str] = {}
    for value in values:
        name, separator, text = value.partition("=")
        if not separator or not name:
            raise UsageFailure(f"--metadata takes KEY=VALUE, not {value!r}")
        metadata[name] = text
    return metadata


def rate_limit(value: str | None) -> RateLimit | None:
    """``--rate-limit LIMIT/WINDOW_SECONDS``, e.g. ``100/60``: at most 100 valid checks a minute."""
    if value is None:
        return None
    limit, _, window = value.partition("/")
    if not (limit.isdigit() and window.isdigit()):
        raise UsageFailure(f"--rate-limit takes LIMIT/WINDOW_SECONDS (e.g. 100/60), not {value!r}")
    return RateLimit(limit=int(limit), window_seconds=int(window))


def credits(remaining: int | None, refill: str | None) -> Credits | None:
    """``--credits N`` with an optional ``--refill AMOUNT/daily|monthly``."""
    if remaining is None:
        if refill is not None:
            raise UsageFailure("--refill needs --credits (the credits left now)")
        return None
    if refill is None:
        return Credits(remaining=remaining)
    amount, _, interval = refill.partition("/")
    if not amount.isdigit() or interval not in REFILL_INTERVALS:
        raise UsageFailure(f"--refill takes AMOUNT/daily or AMOUNT/monthly (e.g. 1000/daily), not {refill!r}")
    return Credits(remaining=remaining, refill=Refill(amount=int(amount), interval=interval))


def key_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The fields ``keys update`` sends: each option given, or the emptied value of a --clear-...
    (--no-expiry) option; the two of a pair are mutually exclusive in the parser."""
    if args.clear_credits and args.refill is not None:
        raise UsageFailure("--refill cannot go with --clear-credits")
    fields: dict[str, Any] = {} if args.name is None else {"name": args.name}
    for name, cleared, emptied, value in (
        ("description", args.clear_description, None, args.description),
        ("scopes", args.clear_scopes, [], scopes(args.scopes)),
        ("metadata", args.clear_metadata, {}, metadata(args.metadata)),
        ("expires_at", args.no_expiry, None, args.expires_at),
        ("allowed_ips", args.clear_allowed_ips, [], args.allowed_ips),
        ("not_before", args.clear_not_before, None, args.not_before),
        ("rate_limit", args.clear_rate_limit, None, rate_limit(args.rate_limit)),
        ("credits", args.clear_credits, None, credits(args.credits, args.refill)),
    ):
        if cleared:
            fields[name] = emptied
        elif value is not None:
            fields[name] = value
    return fields


@contextmanager
def secret_file(path: Path | None) -> Iterator[Callable[[str], None] | None]:
    """With --output: the file is created (0600, never over an existing one) before the API call,
    so a refusal to write comes before a key exists; it is removed again if no secret reached it."""
    if path is None:
        yield None
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise LocalFailure(f"{path} exists; refusing to overwrite it (nothing was created)") from error
    except OSError as error:
        raise LocalFailure(f"cannot create {path}: {error.strerror} (nothing was created)") from error
    written = False

    def write(secret: str) -> None:
        nonlocal written
        os.write(descriptor, secret.encode("utf-8") + b"\n")
        written = True

    try:
        yield write
    finally:
        os.close(descriptor)
        if not written:
            path.unlink(missing_ok=True)
