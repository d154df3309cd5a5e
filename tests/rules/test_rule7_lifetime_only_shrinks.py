"""Rule 7: lifetime only shrinks. An API-key caller may shorten a key's ``expires_at`` but never
lengthen or remove it; a rotated key's ``expires_at`` (the end of its grace) can be brought
forward by anyone who may change the key, and lengthened or removed by nobody. This closes the
finding where ``PATCH {"expires_at": null}`` on a rotated key made a leaked token permanent."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith.clock import parse_rfc3339, rfc3339
from tests.helpers import Api

MANAGES = ["read", "write", "keys:read", "keys:write"]


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def patch(api: Api, token: str, key_id: str, body: dict[str, Any]) -> Any:
    return api.request("PATCH", f"/v1/api-keys/{key_id}", token=token, json_body=body)


def at(seconds_from_now: int) -> str:
    return rfc3339(time.time() + seconds_from_now)


def rotated_with_grace(api: Api, token: str, old: dict[str, Any], grace: int = 3600) -> float:
    reply = api.request(
        "POST", f"/v1/api-keys/{old['id']}/rotate", token=token, json_body={"grace_period_seconds": grace}
    )
    assert reply.status == 201, reply.text
    stored = api.request("GET", f"/v1/api-keys/{old['id']}", token=token).body
    return parse_rfc3339(stored["expires_at"])


@pytest.mark.parametrize("later", [None, 7200, 86_400 * 365])
def test_nobody_lengthens_or_removes_a_rotated_keys_grace_end(api: Api, later: int | None) -> None:
    alice = api.session("alice", "acme")
    admin = api.session("root", "acme", ["admin"])
    old = create(api, alice)
    grace_end = rotated_with_grace(api, alice, old)
    value = None if later is None else at(later)
    for caller in (alice, admin):
        reply = patch(api, caller, old["id"], {"expires_at": value})
        assert reply.status == 409, reply.text
        assert reply.body["type"] == "urn:keysmith:problem:conflict"
    after = api.request("GET", f"/v1/api-keys/{old['id']}", token=alice).body
    assert parse_rfc3339(after["expires_at"]) == grace_end


def test_a_rotated_keys_grace_end_can_be_brought_forward(api: Api) -> None:
    alice = api.session("alice", "acme")
    old = create(api, alice)
    grace_end = rotated_with_grace(api, alice, old)
    sooner = rfc3339(grace_end - 1800)
    reply = patch(api, alice, old["id"], {"expires_at": sooner})
    assert reply.status == 200, reply.text
    assert reply.body["expires_at"] == sooner


def test_a_rotated_personal_token_cannot_make_itself_permanent(api: Api) -> None:
    """The red-team case: the old key is the credential of its own PATCH."""
    alice = api.session("alice", "acme")
    old = create(api, alice, scopes=MANAGES)
    grace_end = rotated_with_grace(api, alice, old)
    for value in (None, at(30 * 86_400)):
        reply = patch(api, old["key"], old["id"], {"expires_at": value})
        assert reply.status in (403, 409), reply.text
    assert parse_rfc3339(api.request("GET", f"/v1/api-keys/{old['id']}", token=alice).body["expires_at"]) == (
        grace_end
    )


def test_an_api_key_caller_may_shorten_but_never_lengthen_or_remove_an_expiry(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    caller = create(api, admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = create(api, admin, service_account_id="sa_ci", expires_in_seconds=86_400)
    lengthened = patch(api, caller, target["id"], {"expires_at": at(2 * 86_400)})
    assert lengthened.status == 403, lengthened.text
    removed = patch(api, caller, target["id"], {"expires_at": None})
    assert removed.status == 403, removed.text
    unchanged = api.request("GET", f"/v1/api-keys/{target['id']}", token=admin).body
    assert unchanged["expires_at"] == target["expires_at"]
    sooner = at(3600)
    shortened = patch(api, caller, target["id"], {"expires_at": sooner})
    assert shortened.status == 200, shortened.text
    assert shortened.body["expires_at"] == sooner
    # a key that never expired may be given an expiry: that shortens its lifetime
    forever = create(api, admin, service_account_id="sa_ci")
    assert patch(api, caller, forever["id"], {"expires_at": sooner}).status == 200


def test_a_session_still_lengthens_and_removes_the_expiry_of_a_key_that_was_not_rotated(api: Api) -> None:
    alice = api.session("alice", "acme")
    key = create(api, alice, expires_in_seconds=3600)
    assert patch(api, alice, key["id"], {"expires_at": at(86_400)}).status == 200
    removed = patch(api, alice, key["id"], {"expires_at": None})
    assert removed.status == 200 and removed.body["expires_at"] is None
