"""Findings on values the API stores: an ``expires_at`` less than a second ahead (rounded first,
then compared: never stored already expired), a ``client_ip`` with an IPv6 zone id (refused: 422),
and a ``user_agent`` with control characters (recorded without them)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import wiring
from keysmith.clock import rfc3339
from tests.helpers import Api


def create(api: Api, token: str, **body: Any) -> Any:
    return api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", **body})


def fraction_ahead() -> tuple[float, str]:
    """A clock at .2 past a second, and an expiry at .9 past that same second."""
    second = float(int(time.time()))
    return second + 0.2, f"{rfc3339(second)[:-1]}.900Z"


def test_a_create_with_an_expiry_less_than_a_second_ahead_is_422_not_an_expired_key(api: Api) -> None:
    alice = api.session("alice", "acme")
    now, soon = fraction_ahead()
    with wiring.replace(now=lambda: now):
        reply = create(api, alice, expires_at=soon)
    assert reply.status == 422, reply.text
    assert reply.body["errors"][0]["pointer"] == "/expires_at"


def test_a_patch_with_an_expiry_less_than_a_second_ahead_is_422(api: Api) -> None:
    alice = api.session("alice", "acme")
    key = create(api, alice).body
    now, soon = fraction_ahead()
    with wiring.replace(now=lambda: now):
        reply = api.request("PATCH", f"/v1/api-keys/{key['id']}", token=alice, json_body={"expires_at": soon})
    assert reply.status == 422, reply.text
    assert api.request("GET", f"/v1/api-keys/{key['id']}", token=alice).body["status"] == "active"


def test_an_expiry_a_second_or_more_ahead_is_an_active_key(api: Api) -> None:
    alice = api.session("alice", "acme")
    now, _ = fraction_ahead()
    with wiring.replace(now=lambda: now):
        reply = create(api, alice, expires_at=rfc3339(now + 1.5))
        assert reply.status == 201, reply.text
        assert reply.body["status"] == "active"


def verify(api: Api, body: dict[str, Any]) -> Any:
    return api.request("POST", "/internal/v1/verify", json_body=body)  # the internal API, locally


@pytest.mark.parametrize(
    "client_ip", ["fe80::1%\x1b[31m", "fe80::1%eth0\nforged: line", "fe80::1%\u202egnp.exe", "fe80::1%eth0"]
)
def test_a_client_ip_with_a_zone_id_is_refused(api: Api, client_ip: str) -> None:
    alice = api.session("alice", "acme")
    key = create(api, alice).body
    reply = verify(api, {"key": key["key"], "client_ip": client_ip})
    assert reply.status == 422, reply.text
    assert reply.body["errors"][0]["pointer"] == "/client_ip"
    stored = api.request("GET", f"/v1/api-keys/{key['id']}", token=alice).body
    assert stored["last_used_ip"] is None


def test_a_user_agent_is_recorded_without_control_characters(api: Api) -> None:
    alice = api.session("alice", "acme")
    key = create(api, alice).body
    reply = verify(api, {"key": key["key"], "user_agent": "curl/8.5\x1b[2J\r\nX-Forged: 1\u202e\u200b"})
    assert reply.status == 200 and reply.body["valid"], reply.text
    stored = api.request("GET", f"/v1/api-keys/{key['id']}", token=alice).body
    assert stored["last_used_user_agent"] == "curl/8.5[2JX-Forged: 1"
