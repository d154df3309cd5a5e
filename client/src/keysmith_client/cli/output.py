"""How answers are printed: rows, tables and JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import IO, Any

from ..models import ApiKey, CreatedApiKey, VerifyResult
from ..restrictions import Credits, RateLimit
from .connection import option


# ------------------------------------------------------------------------------ output
def show_created(
    created: CreatedApiKey,
    args: argparse.Namespace,
    out: IO[str],
    err: IO[str],
    write_secret: Callable[[str], None] | None,
) -> None:
    secret = created.key
    if secret and write_secret is not None:
        write_secret(secret)
    as_json = bool(option(args, "json"))
    if as_json:
        document = dict(created.raw)
        if secret and write_secret is None:
            document["key"] = secret
        print_json(document, out)
    else:
        rows = key_rows(created)
        if secret and write_secret is None:
            rows.append(("key", secret))
        print_rows(rows, out)
    if created.replayed:
        print(
            "keysmith: this create was already done (Idempotency-Key replay): the secret was shown to "
            "the first request only. If it is lost, revoke this key and create another.",
            file=err,
        )
    elif secret and write_secret is not None:
        print(f"The secret is in {args.output} (mode 0600); it is not shown again.", file=err)
    elif secret and not as_json:
        print("The key above is shown this once: store it now.", file=err)


def show_key(key: ApiKey, args: argparse.Namespace, out: IO[str]) -> None:
    if option(args, "json"):
        print_json(key.raw, out)
    else:
        print_rows(key_rows(key), out)


def key_rows(key: ApiKey) -> list[tuple[str, str]]:
    actions = [name for name, allowed in key.available_actions.items() if allowed]
    rows = [
        ("id", key.id),
        ("name", key.name),
        ("status", key.status),
        ("owner", str(key.owner or "")),
        ("tenant_id", key.tenant_id),
        ("scopes", ",".join(key.scopes) or "-"),
        ("format", key.format),
        ("prefix", f"{key.prefix}...{key.last_four}"),
        ("environment_id", key.environment_id or "-"),
        ("description", key.description or "-"),
        ("metadata", ", ".join(f"{name}={value}" for name, value in key.metadata.items()) or "-"),
        ("created_at", raw_text(key, "created_at")),
        ("created_by", str(key.created_by or "-")),
        ("expires_at", raw_text(key, "expires_at")),
        ("last_used_at", raw_text(key, "last_used_at")),
        ("allowed_ips", ", ".join(key.allowed_ips) or "any"),
        ("not_before", raw_text(key, "not_before")),
        ("rate_limit", rate_limit_text(key.rate_limit)),
        ("credits", credits_text(key.credits)),
    ]
    if key.rotated_from:
        rows.append(("rotated_from", key.rotated_from))
    if key.rotated_to:
        rows.append(("rotated_to", key.rotated_to))
    rows.append(("actions", ", ".join(actions) or "-"))
    return rows


REASONS = {
    "MALFORMED": "not a key of this deploy's formats",
    "NOT_FOUND": "no such key",
    "EXPIRED": "the key has expired",
    "SUSPENDED": "the key is suspended",
    "REVOKED": "the key is revoked",
    "NOT_YET_VALID": "the key's not_before has not come yet",
    "IP_NOT_ALLOWED": "the client address is outside the key's allowed_ips",
    "WRONG_ENVIRONMENT": "the key is not valid in this environment",
    "INSUFFICIENT_SCOPE": "the key lacks a required scope",
    "RATE_LIMITED": "the key's rate limit is used up for this window (retry after retry_after)",
    "USAGE_EXCEEDED": "the key has fewer credits left than this check costs",
}


def show_verification(result: VerifyResult, args: argparse.Namespace, out: IO[str]) -> None:
    if option(args, "json"):
        print_json(result.raw, out)
        return
    rows = [("valid", "yes" if result.valid else "no"), ("code", result.code)]
    if result.code in REASONS:
        rows.append(("reason", REASONS[result.code]))
    if result.key is not None:
        rows += [
            ("key_id", result.key.id),
            ("tenant_id", result.key.tenant_id),
            ("owner", str(result.key.owner or "")),
            ("scopes", ",".join(result.key.scopes) or "-"),
            ("environment_id", result.key.environment_id or "-"),
            ("expires_at", str(result.raw.get("key", {}).get("expires_at") or "-")),
        ]
    if result.remaining is not None:
        rows.append(("credits_remaining", str(result.remaining)))
    if result.rate_limit is not None:
        state = result.rate_limit
        reset = str(result.raw.get("rate_limit", {}).get("reset_at") or "-")
        rows.append(("rate_limit", f"{state.remaining} of {state.limit} left until {reset}"))
    if result.retry_after_seconds is not None:
        rows.append(("retry_after", f"{result.retry_after_seconds} s"))
    print_rows(rows, out)


def rate_limit_text(limit: RateLimit | None) -> str:
    return "none" if limit is None else f"{limit.limit} per {limit.window_seconds} s"


def credits_text(credits: Credits | None) -> str:
    if credits is None:
        return "unlimited"
    text = f"{credits.remaining} left"
    if credits.refill is not None:
        text += f", refilled to {credits.refill.amount} {credits.refill.interval}"
    return text


def raw_text(key: ApiKey, name: str) -> str:
    value = key.raw.get(name)
    return str(value) if value else "-"


def print_json(document: Any, out: IO[str]) -> None:
    print(json.dumps(document, indent=2), file=out)


def print_rows(rows: list[tuple[str, str]], out: IO[str]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}", file=out)


def print_table(header: list[str], rows: list[list[str]], out: IO[str]) -> None:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out
        )
