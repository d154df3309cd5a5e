"""The ``keys`` commands: read the options, call the client, print the answer."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import IO, Any

from ..models import ApiKey
from .connection import option, public_client
from .exits import EXIT_OK, UsageFailure
from .inputs import credits, key_changes, metadata, rate_limit, scopes, secret_file
from .output import print_json, raw_text, show_created, show_key
from .paging import read_pages, show_listing


# ------------------------------------------------------------------------------ commands
def cmd_create(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    fields: dict[str, Any] = {
        "description": args.description,
        "scopes": scopes(args.scopes),
        "expires_at": args.expires_at,
        "expires_in_seconds": args.expires_in,
        "service_account_id": args.service_account,
        "environment_id": args.environment,
        "metadata": metadata(args.metadata),
        "format": args.format,
        "allowed_ips": args.allowed_ips,
        "not_before": args.not_before,
        "rate_limit": rate_limit(args.rate_limit),
        "credits": credits(args.credits, args.refill),
        "idempotency_key": args.idempotency_key,
    }
    with public_client(args) as client, secret_file(args.output) as write_secret:
        created = client.create_key(args.name, **fields)
        show_created(created, args, out, err, write_secret)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    filters = {
        "status": args.status,
        "owner_type": args.owner_type,
        "owner_id": args.owner_id,
        "environment_id": args.environment,
    }
    with public_client(args) as client:
        listing = read_pages(
            args,
            lambda limit, cursor: client.list_keys(limit=limit, cursor=cursor, **filters),
            lambda limit: client.iter_keys(page_size=limit, **filters),
        )
    columns = ["ID", "NAME", "STATUS", "FORMAT", "OWNER", "SCOPES", "PREFIX", "EXPIRES", "LAST USED"]
    return show_listing(args, listing, "keys", columns, key_row, out, err)


def key_row(key: ApiKey) -> list[str]:
    return [
        key.id,
        key.name,
        key.status,
        key.format,
        str(key.owner or ""),
        ",".join(key.scopes),
        f"{key.prefix}...{key.last_four}",
        raw_text(key, "expires_at"),
        raw_text(key, "last_used_at"),
    ]


def cmd_get(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        show_key(client.get_key(args.id), args, out)
    return EXIT_OK


def cmd_update(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    fields = key_changes(args)
    if not fields:
        raise UsageFailure("nothing to change: give at least one of --name, --description, --scope, ...")
    with public_client(args) as client:
        show_key(client.update_key(args.id, **fields), args, out)
    return EXIT_OK


def state_change(method: str) -> Callable[[argparse.Namespace, IO[str], IO[str]], int]:
    def run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
        with public_client(args) as client:
            key: ApiKey = getattr(client, method)(args.id)
        show_key(key, args, out)
        return EXIT_OK

    return run


def cmd_rotate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.grace_seconds is not None and args.grace_seconds < 0:
        raise UsageFailure("--grace-seconds must be 0 or more")
    with public_client(args) as client, secret_file(args.output) as write_secret:
        successor = client.rotate_key(args.id, grace_period_seconds=args.grace_seconds, format=args.format)
        show_created(successor, args, out, err, write_secret)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        client.delete_key(args.id)
    if option(args, "json"):
        print_json({"id": args.id, "deleted": True}, out)
    else:
        print(f"Deleted key {args.id}.", file=out)
    return EXIT_OK
