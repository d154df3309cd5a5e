"""POST /v1/api-keys/{id}/suspend (then activate, then revoke) answers 200 with the new status, and a
change whose answer was lost and retried still succeeds."""

from __future__ import annotations

import pytest

from keysmith import clock
from tests.support.audit import lost_answer
from tests.support.client import Client as Api
from tests.support.client import actions_of

DAY = 86_400


def test_suspend_then_activate_then_revoke(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token)
    suspended = api.act(token, key["id"], "suspend")
    assert suspended.status == 200, suspended.text
    assert suspended.header("Cache-Control") is None
    body = suspended.body
    assert body["status"] == "suspended"
    assert body["suspended_at"] is not None
    assert actions_of(body) == {"activate", "revoke", "delete"}
    assert api.stored(key["id"])["version"] == {"N": "2"}

    activated = api.act(token, key["id"], "activate")
    assert activated.status == 200
    assert activated.body["status"] == "active"
    assert activated.body["suspended_at"] is None
    assert actions_of(activated.body) == {"suspend", "revoke", "rotate"}

    revoked = api.act(token, key["id"], "revoke")
    assert revoked.status == 200
    assert revoked.body["status"] == "revoked"
    assert revoked.body["revoked_at"] is not None
    assert actions_of(revoked.body) == {"delete"}
    item = api.stored(key["id"])
    assert item["version"] == {"N": "4"}
    # Revocation starts the retention window: DynamoDB TTL may remove the item after it.
    revoked_at = clock.parse_rfc3339(revoked.body["revoked_at"])
    assert int(item["ttl"]["N"]) == pytest.approx(revoked_at + 30 * DAY, abs=1)
    assert api.get_key(token, key["id"]).body == revoked.body


@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_a_change_whose_answer_was_lost_and_retried_still_succeeds(api: Api, action: str) -> None:
    """DynamoDB applied the change's transaction but its answer was lost; botocore sends the same
    request again, which must still be answered 200, not 409 (and leaves one audit event:
    tests/rules/test_audit_exactly_once.py)."""
    token = api.session("u_retry", "acme")
    created = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}).body
    with lost_answer(api.parts.store.client, "TransactWriteItems") as forced:
        reply = api.request("POST", f"/v1/api-keys/{created['id']}/{action}", token=token)
    assert forced
    assert reply.status == 200, reply.text
    assert reply.body["status"] == {"suspend": "suspended", "revoke": "revoked"}[action]
    assert api.stored(created["id"])["version"] == {"N": "2"}
    again = api.request("POST", f"/v1/api-keys/{created['id']}/{action}", token=token)
    assert again.status == 409  # a real second request is still refused
