"""End to end: the installed ``keysmith`` command against the repository's real local server.

Every step runs the console script as a subprocess, as a user would after ``pip install ./client``,
against ``python -m local.server`` on an in-memory DynamoDB Local.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from e2e_cli import keysmith, ok
from keysmith_client import Credits, Keysmith, RateLimit

pytestmark = pytest.mark.e2e


def test_from_login_to_delete_through_the_cli(
    server: str, isolated_environment: Path, tmp_path: Path
) -> None:
    login = ok("login", "--local", "--url", server, "--user", "u_e2e", "--tenant", "t_e2e")
    assert "Signed in to" in login.out and "u_e2e" in login.out
    session_file = isolated_environment / "session.json"
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600

    created = ok(
        "keys", "create", "--name", "e2e deploy", "--scope", "read,write", "--metadata", "team=core",
        "--expires-in", "86400", "--json",
    ).json()  # fmt: skip
    secret, key_id = created["key"], created["id"]
    assert secret.startswith("ks_") and len(secret) == 3 + 43 + 6
    assert created["owner"] == {"type": "user", "id": "u_e2e"} and created["scopes"] == ["read", "write"]
    assert secret not in session_file.read_text()

    table = ok("keys", "list").out
    assert table.splitlines()[0].startswith("ID") and key_id in table and "e2e deploy" in table
    assert secret not in table
    assert key_id in [item["id"] for item in ok("keys", "list", "--json").json()["items"]]

    shown = ok("keys", "get", key_id, "--json").json()
    assert shown["status"] == "active" and shown["metadata"] == {"team": "core"} and "key" not in shown

    updated = ok(
        "keys", "update", key_id, "--name", "e2e deploy (main)", "--description", "from the CLI", "--json"
    )
    assert updated.json()["name"] == "e2e deploy (main)" and updated.json()["description"] == "from the CLI"

    verify_at = server + "/internal"  # verification lives on the internal API
    valid = ok("verify", "--url", verify_at, "--scope", "write", stdin=secret + "\n")
    assert "VALID" in valid.out and key_id in valid.out
    not_held = keysmith("verify", secret, "--url", verify_at, "--scope", "admin", "--json")
    assert not_held.code == 5 and not_held.json() == {"valid": False, "code": "INSUFFICIENT_SCOPE"}

    me = ok("whoami", "--token", secret, "--json").json()
    assert me["key_id"] == key_id and me["tenant_id"] == "t_e2e" and me["owner"]["id"] == "u_e2e"

    successor_file = tmp_path / "successor.key"
    rotated = ok("keys", "rotate", key_id, "--grace-seconds", "3600", "--output", str(successor_file))
    successor_secret = successor_file.read_text().strip()
    assert stat.S_IMODE(successor_file.stat().st_mode) == 0o600
    assert successor_secret.startswith("ks_") and successor_secret not in rotated.out + rotated.err
    old = ok("keys", "get", key_id, "--json").json()
    assert old["status"] == "active" and old["rotated_to"] and old["expires_at"], "the grace period keeps it"
    successor_id = old["rotated_to"]
    assert ok("verify", successor_secret, "--url", verify_at, "--json").json()["key"]["id"] == successor_id

    again = keysmith("keys", "rotate", key_id)
    assert again.code == 3 and "409" in again.err and successor_id in again.err

    assert ok("keys", "revoke", key_id, "--json").json()["status"] == "revoked"
    revoked = keysmith("verify", secret, "--url", verify_at, "--json")
    assert revoked.code == 5 and revoked.json()["code"] == "REVOKED"
    assert ok("keys", "delete", key_id).out.strip() == f"Deleted key {key_id}."
    gone = keysmith("keys", "get", key_id)
    assert gone.code == 3 and "404" in gone.err

    assert ok("keys", "suspend", successor_id, "--json").json()["status"] == "suspended"
    twice = keysmith("keys", "suspend", successor_id)
    assert twice.code == 3 and "The key is suspended" in twice.err
    assert ok("keys", "activate", successor_id, "--json").json()["status"] == "active"
    active_delete = keysmith("keys", "delete", successor_id)
    assert active_delete.code == 3 and "409" in active_delete.err

    invalid = keysmith("keys", "create", "--name", "  ")
    assert invalid.code == 3 and "422" in invalid.err and "/name" in invalid.err

    before = len(ok("keys", "list", "--all", "--json").json()["items"])
    refused = keysmith("keys", "create", "--name", "never", "--output", str(successor_file))
    assert refused.code == 1 and "refusing to overwrite" in refused.err
    assert len(ok("keys", "list", "--all", "--json").json()["items"]) == before, "no key was made"


def test_an_admin_pages_through_the_tenant_and_makes_service_account_keys(
    server: str, isolated_environment: Path
) -> None:
    ok("login", "--local", "--url", server, "--user", "u_admin", "--tenant", "t_paging", "--admin")
    made = [ok("keys", "create", "--name", f"key {n}", "--json").json()["id"] for n in range(5)]
    service = ok("keys", "create", "--name", "billing", "--service-account", "sa_billing", "--json").json()
    assert service["owner"] == {"type": "service_account", "id": "sa_billing"}

    first_page = keysmith("keys", "list", "--limit", "2")
    assert first_page.code == 0 and len(first_page.out.splitlines()) == 3 and "--cursor" in first_page.err
    everything = ok("keys", "list", "--limit", "2", "--all", "--json").json()
    listed = [item["id"] for item in everything["items"]]
    assert listed == [service["id"], *reversed(made)] and everything["next_cursor"] is None

    by_owner = ok(
        "keys", "list", "--owner-type", "service_account", "--owner-id", "sa_billing", "--json"
    ).json()
    assert [item["id"] for item in by_owner["items"]] == [service["id"]]

    ok("login", "--local", "--url", server, "--user", "u_other", "--tenant", "t_paging")
    assert ok("keys", "list", "--all", "--json").json()["items"] == []
    hidden = keysmith("keys", "get", made[0])
    assert hidden.code == 3 and "404" in hidden.err


def test_a_repeated_idempotency_key_replays_without_the_secret(server: str) -> None:
    ok("login", "--local", "--url", server, "--user", "u_idem", "--tenant", "t_idem")
    first = ok("keys", "create", "--name", "once", "--idempotency-key", "deploy-42", "--json").json()
    replay = keysmith("keys", "create", "--name", "once", "--idempotency-key", "deploy-42", "--json")
    assert replay.code == 0 and replay.json()["id"] == first["id"] and "key" not in replay.json()
    assert "Idempotency-Key replay" in replay.err
    other_body = keysmith("keys", "create", "--name", "twice", "--idempotency-key", "deploy-42")
    assert other_body.code == 3 and "422" in other_body.err


def test_a_metered_key_verifies_spends_and_leaves_its_audit_trail(server: str) -> None:
    session = Keysmith(server).local_session("u_metered", "t_metered")
    with Keysmith(server, token=session.token) as client:
        created = client.create_key(
            "metered", rate_limit=RateLimit(limit=2, window_seconds=86400), credits=Credits(remaining=5)
        )
        assert created.rate_limit == RateLimit(2, 86400) and created.credits == Credits(5)
        with Keysmith.internal(server + "/internal", tenant=None, sign=False) as verifier:
            first = verifier.verify(created.key or "", cost=3)
            assert first.valid and first.remaining == 2
            assert first.rate_limit is not None and (first.rate_limit.limit, first.rate_limit.remaining) == (
                2,
                1,
            )
            too_costly = verifier.verify(created.key or "", cost=3)
            assert (too_costly.code, too_costly.remaining) == ("USAGE_EXCEEDED", 2), (
                "a refusal spends nothing"
            )
            assert verifier.verify(created.key or "", cost=2).remaining == 0
            limited = verifier.verify(created.key or "", cost=0)
            assert limited.code == "RATE_LIMITED" and limited.retry_after_seconds is not None
            assert 1 <= limited.retry_after_seconds <= 86400

        client.update_key(created.id, credits=Credits(remaining=50), rate_limit=None)
        events = list(client.audit_events(key_id=created.id, page_size=1))
    assert [event.action for event in events] == ["update", "create"]
    update, create = events
    assert update.changes["credits"].after == {"remaining": 50, "refill": None}
    assert update.changes["rate_limit"].before == {"limit": 2, "window_seconds": 86400}
    assert update.changes["rate_limit"].after is None
    assert create.changes["rate_limit"].after == {"limit": 2, "window_seconds": 86400}
    assert str(update.actor) == "user:u_metered" and update.tenant_id == "t_metered"
    assert all(created.key not in str(event.raw) for event in events), "no secret in the trail"

    ok("login", "--local", "--url", server, "--user", "u_metered", "--tenant", "t_metered")
    listed = ok("audit", "list", "--key", created.id, "--action", "update", "--json").json()
    assert [item["id"] for item in listed["items"]] == [update.id] and listed["next_cursor"] is None
