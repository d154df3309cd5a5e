"""Rule 7 for restrictions and limits: an API-key caller may narrow a key's allowed_ips,
not_before, rate_limit and credits, never widen them (more or wider ranges, an earlier not_before,
a higher limit or shorter window, more credits or a richer refill, or removing any of them): 403,
the key unchanged. Sessions (tests/routes/update_key/test_200_restrictions.py) and trusted backends
may widen them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.rules.test_trusted_backend import internal
from tests.support.client import Client as Api
from tests.support.interleavings import between_read_and_write
from tests.support.problems import assert_problem

MANAGES = ["read", "write", "keys:read", "keys:write"]
LATER = clock.rfc3339(time.time() + 3600)
MUCH_LATER = clock.rfc3339(time.time() + 7200)
SOONER = clock.rfc3339(time.time() + 1800)
STORED: dict[str, Any] = {
    "allowed_ips": ["192.0.2.0/24", "2001:db8::/32"],
    "not_before": LATER,
    "rate_limit": {"limit": 100, "window_seconds": 60},
    "credits": {"remaining": 50, "refill": {"amount": 500, "interval": "daily"}},
}

WIDER: list[dict[str, Any]] = [
    {"allowed_ips": ["192.0.2.0/24", "2001:db8::/32", "198.51.100.0/24"]},  # one more range
    {"allowed_ips": ["192.0.0.0/16"]},  # a range around a stored one
    {"allowed_ips": []},  # removal
    {"allowed_ips": None},
    {"not_before": SOONER},  # earlier
    {"not_before": None},
    {"rate_limit": {"limit": 101, "window_seconds": 60}},  # a higher limit
    {"rate_limit": {"limit": 100, "window_seconds": 59}},  # a shorter window
    {"rate_limit": None},
    {"credits": {"remaining": 51, "refill": {"amount": 500, "interval": "daily"}}},  # more credits
    {"credits": {"remaining": 50, "refill": {"amount": 501, "interval": "daily"}}},  # a larger refill
    {"credits": None},
]
NARROWER: list[dict[str, Any]] = [
    {"allowed_ips": ["192.0.2.0/24"]},  # one range fewer
    {"allowed_ips": ["192.0.2.128/25", "2001:db8:1::/48"]},  # ranges inside the stored ones
    {"not_before": MUCH_LATER},
    {"not_before": LATER},  # the same
    {"rate_limit": {"limit": 10, "window_seconds": 3600}},
    {"credits": {"remaining": 49, "refill": {"amount": 500, "interval": "daily"}}},
    {"credits": {"remaining": 50, "refill": {"amount": 100, "interval": "monthly"}}},
    {"credits": {"remaining": 0, "refill": None}},  # no refill any more
]


def keys(api: Api) -> tuple[str, dict[str, Any]]:
    """A service account's managing key and a restricted key of the same account."""
    admin = api.session("root", "acme", ["admin"])
    caller = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = api.created_key(admin, service_account_id="sa_ci", **STORED)
    return caller, target


def ids(changes: list[dict[str, Any]]) -> list[str]:
    """Test ids that name the field and the case's place (never a time: every worker must agree)."""
    return [f"{next(iter(c))}-{i}" for i, c in enumerate(changes)]


@pytest.mark.parametrize("change", WIDER, ids=ids(WIDER))
def test_an_api_key_caller_never_widens_a_restriction(api: Api, change: dict[str, Any]) -> None:
    caller, target = keys(api)
    reply = api.update_key(caller, target["id"], change)
    problem = assert_problem(reply, 403, "forbidden")
    assert "narrow" in problem["detail"]
    after = api.get_key(api.session("root", "acme", ["admin"]), target["id"]).body
    assert {name: after[name] for name in STORED} == STORED


@pytest.mark.parametrize("change", NARROWER, ids=ids(NARROWER))
def test_an_api_key_caller_may_narrow_a_restriction(api: Api, change: dict[str, Any]) -> None:
    caller, target = keys(api)
    reply = api.update_key(caller, target["id"], change)
    assert reply.status == 200, reply.text
    assert {name: reply.body[name] for name in change} == change


def test_an_api_key_caller_may_restrict_an_unrestricted_key(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    caller = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = api.created_key(admin, service_account_id="sa_ci")
    reply = api.update_key(caller, target["id"], STORED)
    assert reply.status == 200, reply.text
    assert {name: reply.body[name] for name in STORED} == STORED


def test_a_restricted_api_key_may_not_lift_its_own_restrictions(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    own = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES, credits={"remaining": 5})
    reply = api.update_key(own["key"], own["id"], {"credits": {"remaining": 1000}})
    assert_problem(reply, 403, "forbidden")
    # its PATCH was one use of the key: one credit spent
    assert api.get_key(admin, own["id"]).body["credits"] == {"remaining": 4, "refill": None}


def spent_meanwhile(api: Api, target: dict[str, Any]) -> Any:
    """Between the PATCH's read of ``target`` and its write, one verification of ``target`` spends
    a credit (once: that verification reads the key too)."""
    spent: list[int] = []

    def spend(key_id: str) -> None:
        if key_id == target["id"] and not spent:
            spent.append(1)
            reply = api.verify({"key": target["key"]})
            assert reply.body["code"] == "VALID", reply.text

    return between_read_and_write(api.parts.store, spend)


def test_credits_spent_between_the_read_and_the_write_are_not_given_back(api: Api) -> None:
    """The API-key caller asks for the 10 credits it read; one was spent meanwhile, so 10 would
    widen the 9 left: 403, and the key keeps 9."""
    admin = api.session("root", "acme", ["admin"])
    caller = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = api.created_key(admin, service_account_id="sa_ci", credits={"remaining": 10})
    with spent_meanwhile(api, target):
        reply = api.update_key(caller, target["id"], {"credits": {"remaining": 10}})
    assert_problem(reply, 403, "forbidden")
    assert api.get_key(admin, target["id"]).body["credits"] == {"remaining": 9, "refill": None}


def test_a_narrowing_of_credits_raced_by_a_spend_is_judged_again_and_applies(api: Api) -> None:
    """Asking for 5 of the 10 read still narrows the 9 left after the spend: 200, 5 left."""
    admin = api.session("root", "acme", ["admin"])
    caller = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = api.created_key(admin, service_account_id="sa_ci", credits={"remaining": 10})
    with spent_meanwhile(api, target):
        reply = api.update_key(caller, target["id"], {"credits": {"remaining": 5}})
    assert reply.status == 200, reply.text
    assert reply.body["credits"] == {"remaining": 5, "refill": None}
    assert api.get_key(admin, target["id"]).body["credits"] == {"remaining": 5, "refill": None}


def test_a_trusted_backend_may_widen_them(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    target = api.created_key(admin, service_account_id="sa_ci", **STORED)
    wider: dict[str, Any] = {
        "allowed_ips": [],
        "rate_limit": None,
        "credits": {"remaining": 10**6},
        "not_before": None,
    }
    reply = internal("PATCH", f"/v1/api-keys/{target['id']}", json_body=wider)
    assert reply.status == 200, reply.text
    assert (reply.body["allowed_ips"], reply.body["rate_limit"], reply.body["credits"]) == (
        [],
        None,
        {"remaining": 10**6, "refill": None},
    )
