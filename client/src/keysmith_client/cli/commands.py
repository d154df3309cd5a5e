"""One function per command: read the options, call the client, print the answer."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ..client import Keysmith
from ..config import SavedSession, forget_session, save_session, session_path
from ..models import ApiKey, KeyPage
from .connection import DEFAULT_URL, connection_options, internal_client, option, public_client
from .exits import EXIT_NOT_VALID, EXIT_OK, LocalFailure, UsageFailure
from .output import print_json, print_rows, print_table, raw_text, show_created, show_key, show_verification


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
    if args.limit is not None and not 1 <= args.limit <= 100:
        raise UsageFailure("--limit must be 1-100")
    with public_client(args) as client:
        if args.all:
            if args.cursor:
                raise UsageFailure("--all starts at the first page; leave out --cursor")
            keys = list(client.iter_keys(page_size=args.limit, **filters))
            page = KeyPage(items=keys, next_cursor=None)
        else:
            page = client.list_keys(limit=args.limit, cursor=args.cursor, **filters)
    if option(args, "json"):
        print_json({"items": [key.raw for key in page.items], "next_cursor": page.next_cursor}, out)
        return EXIT_OK
    if not page.items:
        print("No keys.", file=out)
    else:
        print_table(
            ["ID", "NAME", "STATUS", "OWNER", "SCOPES", "PREFIX", "EXPIRES", "LAST USED"],
            [
                [
                    key.id,
                    key.name,
                    key.status,
                    str(key.owner or ""),
                    ",".join(key.scopes),
                    f"{key.prefix}...{key.last_four}",
                    raw_text(key, "expires_at"),
                    raw_text(key, "last_used_at"),
                ]
                for key in page.items
            ],
            out,
        )
    if page.next_cursor:
        print(f"more keys: --cursor {page.next_cursor} (or --all)", file=err)
    return EXIT_OK


def cmd_get(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        show_key(client.get_key(args.id), args, out)
    return EXIT_OK


def cmd_update(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    fields: dict[str, Any] = {}
    if args.name is not None:
        fields["name"] = args.name
    if args.clear_description:
        fields["description"] = None
    elif args.description is not None:
        fields["description"] = args.description
    if args.clear_scopes:
        fields["scopes"] = []
    elif args.scopes:
        fields["scopes"] = scopes(args.scopes)
    if args.clear_metadata:
        fields["metadata"] = {}
    elif args.metadata:
        fields["metadata"] = metadata(args.metadata)
    if args.no_expiry:
        fields["expires_at"] = None
    elif args.expires_at is not None:
        fields["expires_at"] = args.expires_at
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
        successor = client.rotate_key(args.id, grace_period_seconds=args.grace_seconds)
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


def cmd_verify(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    key = args.key
    if key == "-":
        # typed at a terminal without echo; piped in otherwise (either way not in the shell history)
        key = (getpass.getpass("key: ") if sys.stdin.isatty() else sys.stdin.readline()).strip()
        if not key:
            raise UsageFailure("no key given: pass it as an argument or on standard input")
    with internal_client(args, tenant_required=False) as client:
        result = client.verify(
            key,
            required_scopes=scopes(args.scopes),
            environment_id=args.environment,
            client_ip=args.client_ip,
            user_agent=args.user_agent,
        )
    show_verification(result, args, out)
    return EXIT_OK if result.valid else EXIT_NOT_VALID


def cmd_whoami(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        me = client.whoami()
    if option(args, "json"):
        print_json(me.raw, out)
    else:
        print_rows(
            [
                ("key_id", me.key_id),
                ("tenant_id", me.tenant_id),
                ("owner", str(me.owner or "")),
                ("scopes", ",".join(me.scopes)),
                ("environment_id", me.environment_id or "-"),
            ],
            out,
        )
    return EXIT_OK


def cmd_login(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    url = (option(args, "url") or os.environ.get("KEYSMITH_URL") or DEFAULT_URL).rstrip("/")
    roles = ["admin"] if args.admin else []
    with Keysmith(url, **connection_options(args)) as client:
        session = client.local_session(args.user, args.tenant, roles)
    expires = session.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if session.expires_at else None
    path = save_session(SavedSession(url, session.token, expires, args.user, args.tenant, roles))
    if option(args, "json"):
        print_json(
            {
                "url": url,
                "user_id": args.user,
                "tenant_id": args.tenant,
                "roles": roles,
                "expires_at": expires,
                "session_file": str(path),
            },
            out,
        )
    else:
        role_text = " (admin)" if roles else ""
        print(
            f"Signed in to {url} as user {args.user} of tenant {args.tenant}{role_text} until {expires}.",
            file=out,
        )
        print(f"Session saved to {path} (mode 0600).", file=out)
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    path = session_path()
    if forget_session():
        print(f"Removed {path}.", file=out)
    else:
        print(f"No saved session ({path} does not exist).", file=out)
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Callable[[argparse.Namespace, IO[str], IO[str]], int]] = {
    ("keys", "create"): cmd_create,
    ("keys", "list"): cmd_list,
    ("keys", "get"): cmd_get,
    ("keys", "update"): cmd_update,
    ("keys", "suspend"): state_change("suspend_key"),
    ("keys", "activate"): state_change("activate_key"),
    ("keys", "revoke"): state_change("revoke_key"),
    ("keys", "rotate"): cmd_rotate,
    ("keys", "delete"): cmd_delete,
    ("verify", None): cmd_verify,
    ("whoami", None): cmd_whoami,
    ("login", None): cmd_login,
    ("logout", None): cmd_logout,
}


# ------------------------------------------------------------------------------ input helpers
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
