"""The commands besides ``keys``: verify, audit, whoami, login and logout; and the table of all."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import IO

from ..audit import AuditEvent
from ..client import Keysmith
from ..config import SavedSession, forget_session, save_session, session_path
from .connection import DEFAULT_URL, connection_options, internal_client, option, public_client
from .exits import EXIT_NOT_VALID, EXIT_OK, UsageFailure
from .inputs import scopes
from .key_commands import cmd_create, cmd_delete, cmd_get, cmd_list, cmd_rotate, cmd_update, state_change
from .output import print_json, print_rows, show_verification
from .paging import read_pages, show_listing


# ------------------------------------------------------------------------------ commands
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
            cost=args.cost,
        )
    show_verification(result, args, out)
    return EXIT_OK if result.valid else EXIT_NOT_VALID


def cmd_audit_list(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        listing = read_pages(
            args,
            lambda limit, cursor: client.list_audit_events(
                key_id=args.key, action=args.event_action, limit=limit, cursor=cursor
            ),
            lambda limit: client.audit_events(key_id=args.key, action=args.event_action, page_size=limit),
        )
    columns = ["OCCURRED AT", "ACTION", "KEY", "ACTOR", "SOURCE IP"]
    return show_listing(args, listing, "audit events", columns, event_row, out, err)


def event_row(event: AuditEvent) -> list[str]:
    return [
        str(event.raw.get("occurred_at") or "-"),
        event.action,
        event.key_id or "-",
        str(event.actor or "-"),
        event.source_ip or "-",
    ]


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
    ("audit", "list"): cmd_audit_list,
    ("whoami", None): cmd_whoami,
    ("login", None): cmd_login,
    ("logout", None): cmd_logout,
}
