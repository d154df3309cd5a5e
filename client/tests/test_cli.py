"""The keysmith CLI against the in-test Keysmith: output, exit codes, the session file, --output."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.credentials import Credentials

from fake_keysmith import FakeKeysmith, Reply, problem, unavailable, unused_url
from keysmith_client.cli import build_parser, main
from sigv4_check import assert_valid_signature


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, object]:
        document = json.loads(self.out)
        assert isinstance(document, dict)
        return document


def keysmith(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def logged_in(fake: FakeKeysmith, *extra: str) -> Run:
    run = keysmith("login", "--local", "--url", fake.url, "--user", "u_1", "--tenant", "acme", *extra)
    assert run.code == 0, run.err
    return run


# ---------------------------------------------------------------------------- login and the session file
def test_login_saves_the_session_0600_and_later_commands_use_it(
    fake: FakeKeysmith, isolated_environment: Path
) -> None:
    run = logged_in(fake, "--admin")
    assert fake.requests[-1].path == "/_local/sessions"
    assert fake.requests[-1].json() == {"user_id": "u_1", "tenant_id": "acme", "roles": ["admin"]}
    session_file = isolated_environment / "session.json"
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_environment.stat().st_mode) == 0o700
    saved = json.loads(session_file.read_text())
    assert saved["url"] == fake.url and saved["tenant_id"] == "acme" and saved["roles"] == ["admin"]
    assert saved["token"] not in run.out + run.err, "the session token is never printed"
    assert "u_1" in run.out and "acme" in run.out and str(session_file) in run.out

    listed = keysmith("keys", "list")
    assert listed.code == 0, listed.err
    assert fake.requests[-1].headers["authorization"] == f"Bearer {saved['token']}"

    assert keysmith("logout").code == 0
    assert not session_file.exists()
    gone = keysmith("keys", "list")
    assert gone.code == 1 and "keysmith login --local" in gone.err


def test_a_saved_session_is_not_sent_to_another_url(fake: FakeKeysmith) -> None:
    logged_in(fake)
    other = FakeKeysmith()
    try:
        run = keysmith("keys", "list", "--url", other.url)
        assert run.code == 1 and "no credential" in run.err
        assert other.requests == []
    finally:
        other.close()


def test_an_expired_saved_session_says_to_log_in_again(
    fake: FakeKeysmith, isolated_environment: Path
) -> None:
    logged_in(fake)
    session_file = isolated_environment / "session.json"
    saved = json.loads(session_file.read_text())
    session_file.write_text(json.dumps({**saved, "expires_at": "2020-01-01T00:00:00Z"}))
    before = len(fake.requests)
    run = keysmith("keys", "list")
    assert run.code == 1 and "expired" in run.err and len(fake.requests) == before


def test_token_from_the_environment(fake: FakeKeysmith, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSMITH_TOKEN", "ks_from_env")
    monkeypatch.setenv("KEYSMITH_URL", fake.url)
    assert keysmith("keys", "list").code == 0
    assert fake.requests[-1].headers["authorization"] == "Bearer ks_from_env"
    assert keysmith("keys", "list", "--token", "ks_from_flag").code == 0
    assert fake.requests[-1].headers["authorization"] == "Bearer ks_from_flag"


# ---------------------------------------------------------------------------- the secret
def test_create_prints_the_secret_once_on_stdout_and_stores_it_nowhere(
    fake: FakeKeysmith, isolated_environment: Path
) -> None:
    logged_in(fake)
    run = keysmith(
        "keys",
        "create",
        "--name",
        "CI deploy",
        "--scope",
        "read,write",
        "--metadata",
        "team=core",
        "--expires-in",
        "3600",
    )
    assert run.code == 0, run.err
    secret = next(iter(fake.secrets))
    assert run.out.count(secret) == 1 and secret not in run.err
    assert "shown this once" in run.err
    assert fake.requests[-1].json() == {
        "name": "CI deploy",
        "scopes": ["read", "write"],
        "expires_in_seconds": 3600,
        "metadata": {"team": "core"},
    }
    for path in isolated_environment.rglob("*"):
        assert secret not in path.read_text(), f"{path} holds the secret"


def test_create_json_holds_the_key_for_scripts(fake: FakeKeysmith) -> None:
    logged_in(fake)
    run = keysmith("keys", "create", "--name", "scripted", "--json")
    document = run.json()
    assert run.code == 0 and document["key"] in fake.secrets and document["name"] == "scripted"


def test_output_writes_the_secret_to_a_new_0600_file_only(fake: FakeKeysmith, tmp_path: Path) -> None:
    logged_in(fake)
    target = tmp_path / "ci.key"
    run = keysmith("keys", "create", "--name", "to a file", "--output", str(target))
    assert run.code == 0, run.err
    secret = next(iter(fake.secrets))
    assert target.read_text() == secret + "\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert secret not in run.out + run.err and str(target) in run.err


def test_output_refuses_to_overwrite_and_then_creates_nothing(fake: FakeKeysmith, tmp_path: Path) -> None:
    logged_in(fake)
    target = tmp_path / "existing"
    target.write_text("keep me")
    run = keysmith("keys", "create", "--name", "never made", "--output", str(target))
    assert run.code == 1 and "refusing to overwrite" in run.err
    assert target.read_text() == "keep me"
    assert [
        request for request in fake.requests if request.method == "POST" and "api-keys" in request.path
    ] == []


def test_output_file_is_removed_when_the_create_fails(fake: FakeKeysmith, tmp_path: Path) -> None:
    logged_in(fake)
    target = tmp_path / "ci.key"
    run = keysmith("keys", "create", "--name", " ", "--output", str(target))
    assert run.code == 3 and not target.exists()


def test_rotate_with_grace_and_output(fake: FakeKeysmith, tmp_path: Path) -> None:
    logged_in(fake)
    created = keysmith("keys", "create", "--name", "old", "--json").json()
    target = tmp_path / "successor.key"
    run = keysmith("keys", "rotate", str(created["id"]), "--grace-seconds", "3600", "--output", str(target))
    assert run.code == 0, run.err
    assert fake.requests[-1].json() == {"grace_period_seconds": 3600}
    successor_secret = target.read_text().strip()
    assert successor_secret in fake.secrets and successor_secret not in run.out
    assert f"rotated_from    {created['id']}" in run.out


# ---------------------------------------------------------------------------- tables, json and commands
def test_list_prints_a_table_and_follows_cursors_with_all(fake: FakeKeysmith) -> None:
    logged_in(fake)
    for number in range(5):
        fake.add_key(f"key {number}")
    one_page = keysmith("keys", "list", "--limit", "2")
    lines = one_page.out.splitlines()
    assert lines[0].split() == [
        "ID",
        "NAME",
        "STATUS",
        "FORMAT",
        "OWNER",
        "SCOPES",
        "PREFIX",
        "EXPIRES",
        "LAST",
        "USED",
    ]
    assert len(lines) == 3 and "key 4" in lines[1] and "--cursor 2" in one_page.err

    everything = keysmith("keys", "list", "--limit", "2", "--all", "--json")
    document = everything.json()
    assert [item["name"] for item in document["items"]] == [f"key {n}" for n in range(4, -1, -1)]  # type: ignore[union-attr, index]
    assert document["next_cursor"] is None
    assert [r.query.get("cursor") for r in fake.requests if r.path == "/v1/api-keys"][-3:] == [
        None,
        ["2"],
        ["4"],
    ]

    filtered = keysmith("keys", "list", "--status", "revoked", "--owner-type", "user", "--owner-id", "u_1")
    assert filtered.out.strip() == "No keys."
    assert fake.requests[-1].query == {"status": ["revoked"], "owner_type": ["user"], "owner_id": ["u_1"]}


def test_get_update_suspend_activate_revoke_delete(fake: FakeKeysmith) -> None:
    logged_in(fake)
    key_id = str(keysmith("keys", "create", "--name", "lifecycle", "--json").json()["id"])
    shown = keysmith("keys", "get", key_id)
    assert (
        shown.code == 0
        and f"id              {key_id}" in shown.out
        and "suspend, revoke, rotate" in shown.out
    )

    updated = keysmith(
        "keys", "update", key_id, "--name", "renamed", "--clear-description", "--metadata", "a=b", "--json"
    )
    assert updated.code == 0 and updated.json()["name"] == "renamed"
    assert fake.requests[-1].json() == {"name": "renamed", "description": None, "metadata": {"a": "b"}}
    keysmith("keys", "update", key_id, "--no-expiry", "--clear-scopes")
    assert fake.requests[-1].json() == {"scopes": [], "expires_at": None}

    assert "suspended" in keysmith("keys", "suspend", key_id).out
    assert keysmith("keys", "activate", key_id).code == 0
    assert keysmith("keys", "revoke", key_id, "--json").json()["status"] == "revoked"
    deleted = keysmith("keys", "delete", key_id)
    assert deleted.code == 0 and deleted.out.strip() == f"Deleted key {key_id}."
    assert keysmith("keys", "get", key_id).code == 3


def test_verify_reads_the_key_from_stdin_and_exits_5_when_not_valid(
    fake: FakeKeysmith, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged_in(fake)
    secret = str(keysmith("keys", "create", "--name", "v", "--scope", "read", "--json").json()["key"])
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret + "\n"))
    valid = keysmith("verify", "--url", fake.url, "--scope", "read")
    assert valid.code == 0 and "VALID" in valid.out
    assert fake.requests[-1].json() == {"key": secret, "required_scopes": ["read"]}
    assert "authorization" not in fake.requests[-1].headers, "the local server's verify is not signed"
    wrong_scope = keysmith("verify", secret, "--url", fake.url, "--scope", "write", "--json")
    assert wrong_scope.code == 5 and wrong_scope.json() == {"valid": False, "code": "INSUFFICIENT_SCOPE"}


# ---------------------------------------------------------------------------- exit codes
def test_exit_codes_tell_refusals_from_failures(fake: FakeKeysmith) -> None:
    logged_in(fake)
    key_id = str(keysmith("keys", "create", "--name", "x", "--json").json()["id"])
    conflict = keysmith("keys", "activate", key_id)
    assert conflict.code == 3
    assert "409 Conflict: The key is active; activate is available only for suspended keys." in conflict.err

    invalid = keysmith("keys", "create", "--name", " ")
    assert invalid.code == 3 and "/name: must be 1-100 characters" in invalid.err

    fake.queue(unavailable("1"))
    down = keysmith("keys", "list", "--retries", "0")
    assert down.code == 4 and "503" in down.err and "retry after 1 s" in down.err

    fake.queue(problem(500, "internal", "Something failed."))
    assert keysmith("keys", "get", key_id).code == 4

    fake.queue(Reply(503, {"message": "Service Unavailable"}, {"Retry-After": "1"}))
    as_json = keysmith("keys", "list", "--retries", "0", "--json")
    assert as_json.code == 4 and json.loads(as_json.err) == {"message": "Service Unavailable"}

    nobody = keysmith("keys", "list", "--url", unused_url(), "--token", "t", "--retries", "0")
    assert nobody.code == 4 and "no answer" in nobody.err


def test_usage_errors_exit_2(fake: FakeKeysmith, capsys: pytest.CaptureFixture[str]) -> None:
    logged_in(fake)
    assert keysmith("keys", "create").code == 2  # --name is required
    assert keysmith("keys", "frobnicate", "x").code == 2
    assert keysmith("keys", "update", "some-id").code == 2
    assert keysmith("keys", "create", "--name", "x", "--metadata", "novalue").code == 2
    assert keysmith("--internal", "keys", "list").code == 2  # no --tenant
    assert keysmith("keys", "list", "--tenant", "acme").code == 2  # --tenant without --internal
    assert keysmith("--internal", "--tenant", "acme", "--act-as", "admin:x", "keys", "list").code == 2
    assert keysmith("keys", "list", "--limit", "500").code == 2
    assert [r for r in fake.requests if r.path.startswith("/v1")] == [], "nothing was sent"


def every_command() -> list[list[str]]:
    parser = build_parser()
    commands: list[list[str]] = [[]]
    top = next(a for a in parser._actions if a.dest == "command")
    for name, sub in top.choices.items():  # type: ignore[union-attr]
        commands.append([name])
        for action in sub._actions:
            if action.dest == "action":
                commands.extend([name, leaf] for leaf in action.choices)  # type: ignore[union-attr]
    return commands


@pytest.mark.parametrize("command", every_command(), ids=lambda command: " ".join(command) or "keysmith")
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: keysmith {' '.join(command)}".rstrip())
    assert "--url" in out


def test_every_documented_command_exists() -> None:
    names = {" ".join(command) for command in every_command()}
    for action in ("create", "list", "get", "update", "suspend", "activate", "revoke", "rotate", "delete"):
        assert f"keys {action}" in names
    assert {"verify", "login", "logout", "whoami", "audit list"} <= names


# ---------------------------------------------------------------------------- the internal API
AWS = {"AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": "cli-secret", "AWS_REGION": "eu-central-1"}


def test_internal_signs_with_the_operators_credentials(
    fake: FakeKeysmith, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    run = keysmith(
        "--internal",
        "--url",
        fake.url,
        "--tenant",
        "acme",
        "--act-as",
        "user:u_7",
        "--sign",
        "always",
        "keys",
        "create",
        "--name",
        "first key",
        "--json",
    )
    assert run.code == 0, run.err
    request = fake.requests[-1]
    assert request.headers["keysmith-tenant"] == "acme" and request.headers["keysmith-act-as"] == "user:u_7"
    assert_valid_signature(request, fake.url, Credentials("AKIDCLI", "cli-secret"), "eu-central-1")


def test_internal_against_the_local_server_is_unsigned_by_default(fake: FakeKeysmith) -> None:
    run = keysmith("--internal", "--url", fake.url, "--tenant", "acme", "keys", "list")
    assert run.code == 0, run.err
    assert "authorization" not in fake.requests[-1].headers
    assert fake.requests[-1].headers["keysmith-tenant"] == "acme"


def test_internal_default_url_follows_the_login(fake: FakeKeysmith) -> None:
    logged_in(fake)
    keysmith("--internal", "--tenant", "acme", "keys", "list")
    assert fake.requests[-1].path == "/internal/v1/api-keys"


def test_internal_without_credentials_says_so_and_sends_nothing(fake: FakeKeysmith) -> None:
    run = keysmith("--internal", "--url", fake.url, "--tenant", "acme", "--sign", "always", "keys", "list")
    assert run.code == 1 and "no AWS credentials" in run.err and fake.requests == []
    remote = keysmith("verify", "ks_x", "--url", "https://internal.example.invalid")
    assert remote.code == 1 and "no AWS credentials" in remote.err


# ---------------------------------------------------------------------------- the installed command
def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "keysmith"
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("keysmith ")
    module = subprocess.run(
        [sys.executable, "-m", "keysmith_client", "keys", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ},
    )
    assert module.returncode == 0 and "rotate" in module.stdout


def test_verify_at_a_terminal_asks_for_the_key_without_echo(
    fake: FakeKeysmith, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def no_echo(prompt: str) -> str:
        prompts.append(prompt)
        return "ks_typed_at_the_prompt"

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", no_echo)
    run = keysmith("verify", "--url", fake.url)
    assert run.code == 5 and prompts == ["key: "]
    assert fake.requests[-1].json() == {"key": "ks_typed_at_the_prompt"}
