"""``keysmith``: manage and verify Keysmith API keys from a terminal or a script.

Exit codes: 0 done; 1 nothing was sent or the CLI could not finish locally (not signed in, no AWS
credentials, an --output file that exists); 2 usage error; 3 the API refused the request (4xx);
4 the API failed or did not answer (5xx, time-out, connection error, after the retries); 5 only
from ``keysmith verify``: the answer came back and the key is not valid.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from . import __version__
from .client import Keysmith, RetryPolicy, SigV4Signer, is_loopback_url, parse_act_as
from .config import SavedSession, forget_session, load_session, save_session, session_path
from .errors import ClientError, ConnectionFailed, KeysmithError, ServerError
from .models import ApiKey, CreatedApiKey, KeyPage, VerifyResult

EXIT_OK = 0
EXIT_LOCAL = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_FAILED = 4
EXIT_NOT_VALID = 5

DEFAULT_URL = "http://127.0.0.1:3000"
INTERNAL_SUFFIX = "/internal"
STATUSES = ("active", "suspended", "revoked", "expired")
OWNER_TYPES = ("user", "service_account")


class LocalFailure(Exception):
    """The CLI stops before (or without) an API call: exit 1 with this message."""


class UsageFailure(Exception):
    """A combination of options argparse cannot express: exit 2 with this message."""


# ------------------------------------------------------------------------------ the parser
def _common_options(*, api_options: bool = True) -> argparse.ArgumentParser:
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
    common = _common_options()
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
    _scope_option(create, "scopes the key holds (repeat or comma-separate; default read)")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument("--expires-at", metavar="RFC3339", help="e.g. 2027-01-01T00:00:00Z")
    expiry.add_argument("--expires-in", type=int, metavar="SECONDS", help="lifetime in seconds")
    create.add_argument("--service-account", metavar="ID", help="owner: this service account (admins)")
    create.add_argument("--environment", metavar="ID", help="restrict the key to this environment")
    _metadata_option(create)
    create.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="make a repeat of this command a replay, not a second key (default: one per run)",
    )
    _output_option(create)

    listing = actions.add_parser("list", help="list keys, newest first", parents=[common])
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--owner-type", choices=OWNER_TYPES)
    listing.add_argument("--owner-id", metavar="ID")
    listing.add_argument("--environment", metavar="ID")
    listing.add_argument("--limit", type=int, metavar="N", help="keys per page, 1-100 (default 20)")
    listing.add_argument("--cursor", help="continue from a page's next cursor")
    listing.add_argument("--all", action="store_true", help="follow next cursors to the end")

    get = actions.add_parser("get", help="show one key", parents=[common])
    get.add_argument("id")

    update = actions.add_parser(
        "update", help="change name, description, scopes, metadata or expiry", parents=[common]
    )
    update.add_argument("id")
    update.add_argument("--name")
    description = update.add_mutually_exclusive_group()
    description.add_argument("--description")
    description.add_argument("--clear-description", action="store_true")
    scopes = update.add_mutually_exclusive_group()
    _scope_option(scopes, "replace the scopes (repeat or comma-separate)")
    scopes.add_argument("--clear-scopes", action="store_true", help="set the scopes to []")
    metadata = update.add_mutually_exclusive_group()
    _metadata_option(metadata)
    metadata.add_argument("--clear-metadata", action="store_true", help="set the metadata to {}")
    expires = update.add_mutually_exclusive_group()
    expires.add_argument("--expires-at", metavar="RFC3339")
    expires.add_argument("--no-expiry", action="store_true", help="remove the expiry")

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
    _output_option(rotate)

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
    _scope_option(verify, "scopes the key must hold")
    verify.add_argument("--environment", metavar="ID", help="the environment the key must be valid in")
    verify.add_argument("--client-ip", metavar="IP", help="the address the key was presented from")
    verify.add_argument("--user-agent", help="the user agent it was presented with")

    commands.add_parser("whoami", help="the API key given with --token or $KEYSMITH_TOKEN", parents=[common])

    login = commands.add_parser(
        "login",
        help="sign in: --local asks the local development server for a session",
        parents=[_common_options(api_options=False)],
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


def _scope_option(parser: Any, text: str) -> None:
    parser.add_argument("--scope", dest="scopes", action="append", metavar="SCOPE", help=text)


def _metadata_option(parser: Any) -> None:
    parser.add_argument(
        "--metadata", dest="metadata", action="append", metavar="KEY=VALUE", help="repeat for each entry"
    )


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the secret to FILE (created 0600; an existing file is never overwritten) "
        "instead of printing it",
    )


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


def _option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def _saved_session() -> SavedSession | None:
    try:
        return load_session()
    except ValueError as error:
        raise LocalFailure(str(error)) from error


def _connection_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if _option(args, "timeout") is not None:
        options["timeout"] = args.timeout
    retries = _option(args, "retries")
    if retries is not None:
        if retries < 0:
            raise UsageFailure("--retries must be 0 or more")
        options["retry"] = RetryPolicy(max_retries=retries)
    return options


def public_client(args: argparse.Namespace) -> Keysmith:
    """The public API with --token, $KEYSMITH_TOKEN or the saved login of the same URL."""
    if _option(args, "internal"):
        return internal_client(args, tenant_required=True)
    for name in ("tenant", "act_as", "region"):
        if _option(args, name):
            raise UsageFailure(f"--{name.replace('_', '-')} needs --internal")
    saved = _saved_session()
    url = _option(args, "url") or os.environ.get("KEYSMITH_URL") or (saved.url if saved else DEFAULT_URL)
    token = _option(args, "token") or os.environ.get("KEYSMITH_TOKEN")
    if not token and saved and saved.url.rstrip("/") == url.rstrip("/"):
        _check_not_expired(saved)
        token = saved.token
    if not token:
        raise LocalFailure(
            f"no credential for {url}: run `keysmith login --local --user ID --tenant ID`, "
            "or pass --token / set KEYSMITH_TOKEN"
        )
    return Keysmith(url, token=token, **_connection_options(args))


def internal_client(args: argparse.Namespace, *, tenant_required: bool) -> Keysmith:
    """The internal API as a trusted backend: SigV4 with the operator's AWS credentials."""
    tenant = _option(args, "tenant")
    act_as = _option(args, "act_as")
    if tenant_required and not tenant:
        raise UsageFailure("--internal needs --tenant (the tenant to act in)")
    if act_as:
        try:
            parse_act_as(act_as)
        except ValueError as error:
            raise UsageFailure(str(error)) from error
    if _option(args, "token"):
        raise UsageFailure("--token is for the public API; the internal API is signed with AWS credentials")
    url = _option(args, "url") or os.environ.get("KEYSMITH_INTERNAL_URL")
    if not url:
        saved = _saved_session()
        url = (saved.url if saved else DEFAULT_URL).rstrip("/") + INTERNAL_SUFFIX
    sign = _option(args, "sign") or "auto"
    signer = None
    if sign == "always" or (sign == "auto" and not is_loopback_url(url)):
        region = (
            _option(args, "region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        )
        try:
            signer = SigV4Signer(region)
        except KeysmithError as error:
            raise LocalFailure(str(error)) from error
    return Keysmith(url, signer=signer, tenant=tenant, act_as=act_as, **_connection_options(args))


def _check_not_expired(saved: SavedSession) -> None:
    if not saved.expires_at:
        return
    try:
        expires = datetime.fromisoformat(saved.expires_at.replace("Z", "+00:00"))
    except ValueError:
        return
    if expires <= datetime.now(UTC):
        raise LocalFailure(
            f"the saved session of {saved.user_id} expired at {saved.expires_at}; "
            "run `keysmith login --local ...` again"
        )


# ------------------------------------------------------------------------------ commands
def cmd_create(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    fields: dict[str, Any] = {
        "description": args.description,
        "scopes": _scopes(args.scopes),
        "expires_at": args.expires_at,
        "expires_in_seconds": args.expires_in,
        "service_account_id": args.service_account,
        "environment_id": args.environment,
        "metadata": _metadata(args.metadata),
        "idempotency_key": args.idempotency_key,
    }
    with public_client(args) as client, _secret_file(args.output) as write_secret:
        created = client.create_key(args.name, **fields)
        _show_created(created, args, out, err, write_secret)
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
    if _option(args, "json"):
        _print_json({"items": [key.raw for key in page.items], "next_cursor": page.next_cursor}, out)
        return EXIT_OK
    if not page.items:
        print("No keys.", file=out)
    else:
        _print_table(
            ["ID", "NAME", "STATUS", "OWNER", "SCOPES", "PREFIX", "EXPIRES", "LAST USED"],
            [
                [
                    key.id,
                    key.name,
                    key.status,
                    str(key.owner or ""),
                    ",".join(key.scopes),
                    f"{key.prefix}...{key.last_four}",
                    _raw_text(key, "expires_at"),
                    _raw_text(key, "last_used_at"),
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
        _show_key(client.get_key(args.id), args, out)
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
        fields["scopes"] = _scopes(args.scopes)
    if args.clear_metadata:
        fields["metadata"] = {}
    elif args.metadata:
        fields["metadata"] = _metadata(args.metadata)
    if args.no_expiry:
        fields["expires_at"] = None
    elif args.expires_at is not None:
        fields["expires_at"] = args.expires_at
    if not fields:
        raise UsageFailure("nothing to change: give at least one of --name, --description, --scope, ...")
    with public_client(args) as client:
        _show_key(client.update_key(args.id, **fields), args, out)
    return EXIT_OK


def _state_change(method: str) -> Callable[[argparse.Namespace, IO[str], IO[str]], int]:
    def run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
        with public_client(args) as client:
            key: ApiKey = getattr(client, method)(args.id)
        _show_key(key, args, out)
        return EXIT_OK

    return run


def cmd_rotate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.grace_seconds is not None and args.grace_seconds < 0:
        raise UsageFailure("--grace-seconds must be 0 or more")
    with public_client(args) as client, _secret_file(args.output) as write_secret:
        successor = client.rotate_key(args.id, grace_period_seconds=args.grace_seconds)
        _show_created(successor, args, out, err, write_secret)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        client.delete_key(args.id)
    if _option(args, "json"):
        _print_json({"id": args.id, "deleted": True}, out)
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
            required_scopes=_scopes(args.scopes),
            environment_id=args.environment,
            client_ip=args.client_ip,
            user_agent=args.user_agent,
        )
    _show_verification(result, args, out)
    return EXIT_OK if result.valid else EXIT_NOT_VALID


def cmd_whoami(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    with public_client(args) as client:
        me = client.whoami()
    if _option(args, "json"):
        _print_json(me.raw, out)
    else:
        _print_rows(
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
    url = (_option(args, "url") or os.environ.get("KEYSMITH_URL") or DEFAULT_URL).rstrip("/")
    roles = ["admin"] if args.admin else []
    with Keysmith(url, **_connection_options(args)) as client:
        session = client.local_session(args.user, args.tenant, roles)
    expires = session.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if session.expires_at else None
    path = save_session(SavedSession(url, session.token, expires, args.user, args.tenant, roles))
    if _option(args, "json"):
        _print_json(
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
    ("keys", "suspend"): _state_change("suspend_key"),
    ("keys", "activate"): _state_change("activate_key"),
    ("keys", "revoke"): _state_change("revoke_key"),
    ("keys", "rotate"): cmd_rotate,
    ("keys", "delete"): cmd_delete,
    ("verify", None): cmd_verify,
    ("whoami", None): cmd_whoami,
    ("login", None): cmd_login,
    ("logout", None): cmd_logout,
}


# ------------------------------------------------------------------------------ input helpers
def _scopes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [scope.strip() for value in values for scope in value.split(",") if scope.strip()]


def _metadata(values: list[str] | None) -> dict[str, str] | None:
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
def _secret_file(path: Path | None) -> Iterator[Callable[[str], None] | None]:
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


# ------------------------------------------------------------------------------ output
def _show_created(
    created: CreatedApiKey,
    args: argparse.Namespace,
    out: IO[str],
    err: IO[str],
    write_secret: Callable[[str], None] | None,
) -> None:
    secret = created.key
    if secret and write_secret is not None:
        write_secret(secret)
    as_json = bool(_option(args, "json"))
    if as_json:
        document = dict(created.raw)
        if secret and write_secret is None:
            document["key"] = secret
        _print_json(document, out)
    else:
        rows = _key_rows(created)
        if secret and write_secret is None:
            rows.append(("key", secret))
        _print_rows(rows, out)
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


def _show_key(key: ApiKey, args: argparse.Namespace, out: IO[str]) -> None:
    if _option(args, "json"):
        _print_json(key.raw, out)
    else:
        _print_rows(_key_rows(key), out)


def _key_rows(key: ApiKey) -> list[tuple[str, str]]:
    actions = [name for name, allowed in key.available_actions.items() if allowed]
    rows = [
        ("id", key.id),
        ("name", key.name),
        ("status", key.status),
        ("owner", str(key.owner or "")),
        ("tenant_id", key.tenant_id),
        ("scopes", ",".join(key.scopes) or "-"),
        ("prefix", f"{key.prefix}...{key.last_four}"),
        ("environment_id", key.environment_id or "-"),
        ("description", key.description or "-"),
        ("metadata", ", ".join(f"{name}={value}" for name, value in key.metadata.items()) or "-"),
        ("created_at", _raw_text(key, "created_at")),
        ("created_by", str(key.created_by or "-")),
        ("expires_at", _raw_text(key, "expires_at")),
        ("last_used_at", _raw_text(key, "last_used_at")),
    ]
    if key.rotated_from:
        rows.append(("rotated_from", key.rotated_from))
    if key.rotated_to:
        rows.append(("rotated_to", key.rotated_to))
    rows.append(("actions", ", ".join(actions) or "-"))
    return rows


def _show_verification(result: VerifyResult, args: argparse.Namespace, out: IO[str]) -> None:
    if _option(args, "json"):
        _print_json(result.raw, out)
        return
    rows = [("valid", "yes" if result.valid else "no"), ("code", result.code)]
    if result.key is not None:
        rows += [
            ("key_id", result.key.id),
            ("tenant_id", result.key.tenant_id),
            ("owner", str(result.key.owner or "")),
            ("scopes", ",".join(result.key.scopes) or "-"),
            ("environment_id", result.key.environment_id or "-"),
            ("expires_at", str(result.raw.get("key", {}).get("expires_at") or "-")),
        ]
    _print_rows(rows, out)


def _raw_text(key: ApiKey, name: str) -> str:
    value = key.raw.get(name)
    return str(value) if value else "-"


def _print_json(document: Any, out: IO[str]) -> None:
    print(json.dumps(document, indent=2), file=out)


def _print_rows(rows: list[tuple[str, str]], out: IO[str]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}", file=out)


def _print_table(header: list[str], rows: list[list[str]], out: IO[str]) -> None:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out
        )
