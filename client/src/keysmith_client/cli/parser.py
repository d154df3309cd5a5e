"""The argument parser: every command, its options and their help."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import __version__
from .connection import DEFAULT_URL, INTERNAL_SUFFIX
from .inputs import rfc3339, whole_number
from .paging import paging_options

STATUSES = ("active", "suspended", "revoked", "expired")
OWNER_TYPES = ("user", "service_account")
KEY_FORMATS = ("opaque", "jwt")
AUDIT_ACTIONS = ("create", "update", "suspend", "activate", "revoke", "rotate", "delete", "expire")


# ------------------------------------------------------------------------------ the parser
def common_options(*, api_options: bool = True) -> argparse.ArgumentParser:
    """Options accepted before or after any command (``keysmith --json keys list`` or ``... list --json``).

    ``login`` takes only the URL and output ones: its ``--tenant`` is the session's tenant."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--url",
        help="the API's base URL (default: $KEYSMITH_URL, the URL of `keysmith login`, or "
        f"{DEFAULT_URL}; with --internal: $KEYSMITH_INTERNAL_URL or that URL + {INTERNAL_SUFFIX})",
    )
    group.add_argument(
        "--json", action="store_true", help="print the API's JSON (for scripts) instead of tables"
    )
    group.add_argument("--timeout", type=float, metavar="SECONDS", help="per request (default 10)")
    group.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="retries after 503/429 (and lost connections where a repeat is safe); default 3",
    )
    if not api_options:
        return common
    group.add_argument(
        "--token", help="a session JWT or an API key (default: $KEYSMITH_TOKEN, then the saved login)"
    )
    group.add_argument(
        "--internal",
        action="store_true",
        help="call the internal API as a trusted backend, signed with your AWS credentials (SigV4)",
    )
    group.add_argument("--tenant", help="with --internal: the tenant to act in (sent as Keysmith-Tenant)")
    group.add_argument(
        "--act-as",
        metavar="user:ID|service_account:ID",
        help="with --internal: act as this user or service account instead of as a tenant admin",
    )
    group.add_argument(
        "--region", help="AWS region of the internal API (default: $AWS_REGION, then ~/.aws/config)"
    )
    group.add_argument(
        "--sign",
        choices=("auto", "always", "never"),
        help="SigV4 for --internal and verify: auto (default) signs unless the URL is this machine's "
        "local server, which checks no signature",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="keysmith",
        description="Manage and verify Keysmith API keys.",
        epilog=(
            "exit codes: 0 done, 1 local failure (nothing sent or not finished), 2 usage, "
            "3 refused by the API (4xx), 4 API failed or unreachable (5xx), 5 verify: key not valid"
        ),
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"keysmith {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keys = commands.add_parser("keys", help="create, list, inspect and change keys", parents=[common])
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a key (its secret is shown once)", parents=[common])
    create.add_argument("--name", required=True, help="1-100 characters")
    create.add_argument("--description")
    scope_option(create, "scopes the key holds (repeat or comma-separate; default read)")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument("--expires-at", type=rfc3339, metavar="RFC3339", help="e.g. 2027-01-01T00:00:00Z")
    expiry.add_argument("--expires-in", type=int, metavar="SECONDS", help="lifetime in seconds")
    create.add_argument("--service-account", metavar="ID", help="owner: this service account (admins)")
    create.add_argument("--environment", metavar="ID", help="restrict the key to this environment")
    metadata_option(create)
    format_option(create, "opaque (default on most deploys) or jwt, a signed token checkable offline")
    restriction_options(create)
    create.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="make a repeat of this command a replay, not a second key (default: one per run)",
    )
    output_option(create)

    listing = actions.add_parser("list", help="list keys, newest first", parents=[common])
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--owner-type", choices=OWNER_TYPES)
    listing.add_argument("--owner-id", metavar="ID")
    listing.add_argument("--environment", metavar="ID")
    paging_options(listing, "keys")

    get = actions.add_parser("get", help="show one key", parents=[common])
    get.add_argument("id")

    update = actions.add_parser(
        "update", help="change name, description, scopes, metadata, expiry or restrictions", parents=[common]
    )
    update.add_argument("id")
    update.add_argument("--name")
    description = update.add_mutually_exclusive_group()
    description.add_argument("--description")
    description.add_argument("--clear-description", action="store_true")
    scopes = update.add_mutually_exclusive_group()
    scope_option(scopes, "replace the scopes (repeat or comma-separate)")
    scopes.add_argument("--clear-scopes", action="store_true", help="set the scopes to []")
    metadata = update.add_mutually_exclusive_group()
    metadata_option(metadata)
    metadata.add_argument("--clear-metadata", action="store_true", help="set the metadata to {}")
    expires = update.add_mutually_exclusive_group()
    expires.add_argument("--expires-at", type=rfc3339, metavar="RFC3339")
    expires.add_argument("--no-expiry", action="store_true", help="remove the expiry")
    restriction_options(update, clearable=True)

    for name, text in (
        ("suspend", "suspend an active key (it stops authenticating)"),
        ("activate", "re-activate a suspended key"),
        ("revoke", "revoke a key for good"),
        ("delete", "remove a suspended, revoked or expired key"),
    ):
        action = actions.add_parser(name, help=text, parents=[common])
        action.add_argument("id")

    rotate = actions.add_parser("rotate", help="a successor with a new secret (shown once)", parents=[common])
    rotate.add_argument("id")
    rotate.add_argument(
        "--grace-seconds",
        type=int,
        metavar="N",
        help="keep the old key working for N seconds (0-604800; default 0 revokes it now)",
    )
    format_option(rotate, "the successor's format (default: the old key's)")
    output_option(rotate)

    verify = commands.add_parser(
        "verify",
        help="check a key (internal API; exit 5 when it is not valid)",
        parents=[common],
        description="Check a key as a service would. POST /v1/verify is on the internal API: "
        "deployed, the call is signed with your AWS credentials.",
    )
    verify.add_argument(
        "key",
        nargs="?",
        default="-",
        help="the key; - or nothing reads it from standard input (at a terminal: a prompt without echo)",
    )
    scope_option(verify, "scopes the key must hold")
    verify.add_argument("--environment", metavar="ID", help="the environment the key must be valid in")
    verify.add_argument("--client-ip", metavar="IP", help="the address the key was presented from")
    verify.add_argument("--user-agent", help="the user agent it was presented with")
    verify.add_argument(
        "--cost",
        type=whole_number,
        metavar="N",
        help="credits a valid check spends (default 1; 0 spends none)",
    )

    audit = commands.add_parser("audit", help="the audit trail of key changes", parents=[common])
    audit_actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    audit_list = audit_actions.add_parser(
        "list", help="audit events, newest first (who changed what, when, from where)", parents=[common]
    )
    audit_list.add_argument("--key", metavar="ID", help="only the events of this key")
    audit_list.add_argument(
        "--action", dest="event_action", choices=AUDIT_ACTIONS, help="only the events of this action"
    )
    paging_options(audit_list, "events")

    commands.add_parser("whoami", help="the API key given with --token or $KEYSMITH_TOKEN", parents=[common])

    login = commands.add_parser(
        "login",
        help="sign in: --local asks the local development server for a session",
        parents=[common_options(api_options=False)],
        description="Save a short-lived session so that later commands need no --token. "
        "Only --local exists: a deployed Keysmith takes your identity provider's session (--token) "
        "or, for operators, --internal with AWS credentials.",
    )
    login.add_argument(
        "--local", action="store_true", required=True, help="a session from `make dev`'s server"
    )
    login.add_argument("--user", required=True, metavar="ID", help="the user id (the session's sub)")
    login.add_argument("--tenant", required=True, metavar="ID", help="the tenant id")
    login.add_argument("--admin", action="store_true", help="with the admin role (every key of the tenant)")

    commands.add_parser("logout", help="forget the saved session", parents=[common])
    return parser


def scope_option(parser: Any, text: str) -> None:
    parser.add_argument("--scope", dest="scopes", action="append", metavar="SCOPE", help=text)


def metadata_option(parser: Any) -> None:
    parser.add_argument(
        "--metadata", dest="metadata", action="append", metavar="KEY=VALUE", help="repeat for each entry"
    )


def format_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--format", choices=KEY_FORMATS, help=text)


def restriction_options(parser: argparse.ArgumentParser, *, clearable: bool = False) -> None:
    """Where, from when and how often a key verifies as valid; ``clearable`` adds a --clear-... for each."""
    options: list[tuple[str, dict[str, Any]]] = [
        (
            "--allowed-ip",
            {
                "dest": "allowed_ips",
                "action": "append",
                "metavar": "CIDR",
                "help": "valid only from this IPv4/IPv6 range (repeat, up to 50"
                + ("; replaces the list)" if clearable else ")"),
            },
        ),
        ("--not-before", {"type": rfc3339, "metavar": "RFC3339", "help": "not valid before this time"}),
        (
            "--rate-limit",
            {"metavar": "LIMIT/WINDOW_SECONDS", "help": "at most LIMIT valid checks per window, e.g. 100/60"},
        ),
        (
            "--credits",
            {"type": whole_number, "metavar": "N", "help": "credits left; each valid check spends its cost"},
        ),
    ]
    for flag, settings in options:
        if not clearable:
            parser.add_argument(flag, **settings)
            continue
        group = parser.add_mutually_exclusive_group()
        group.add_argument(flag, **settings)
        name = flag.removeprefix("--").replace("-", "_") + ("s" if flag == "--allowed-ip" else "")
        group.add_argument(f"--clear-{name.replace('_', '-')}", action="store_true", help=f"remove {name}")
    parser.add_argument(
        "--refill",
        metavar="AMOUNT/daily|monthly",
        help="with --credits: set the credits back to AMOUNT at 00:00 UTC daily or on the 1st monthly",
    )


def output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the secret to FILE (created 0600; an existing file is never overwritten) "
        "instead of printing it",
    )
