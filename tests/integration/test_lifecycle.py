"""The key lifecycle through the functions, on moto and on DynamoDB Local: every transition of
API.md's status machine, every refusal, PATCH, rotation, delete, and expiry derived from the clock."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock, wiring
from keysmith.domain import key_format as tokens
from keysmith.domain.api_key import KeyRecord
from keysmith.store.items import from_item
from tests.helpers import Api, Reply

PROBLEM_TYPE = "urn:keysmith:problem:"
DAY = 86_400
ACTIONS = ("suspend", "activate", "revoke", "rotate", "delete")


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "ci deploy", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def act(api: Api, token: str, key_id: str, action: str, body: Any = None) -> Reply:
    if action == "delete":
        return api.request("DELETE", f"/v1/api-keys/{key_id}", token=token)
    return api.request("POST", f"/v1/api-keys/{key_id}/{action}", token=token, json_body=body)


def patch(api: Api, token: str, key_id: str, body: Any) -> Reply:
    return api.request("PATCH", f"/v1/api-keys/{key_id}", token=token, json_body=body)


def get(api: Api, token: str, key_id: str) -> Reply:
    return api.request("GET", f"/v1/api-keys/{key_id}", token=token)


def stored(api: Api, key_id: str) -> dict[str, Any] | None:
    return api.parts.store.get_raw(key_id)


def conflict(reply: Reply, *words: str) -> None:
    assert reply.status == 409, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.body["type"] == PROBLEM_TYPE + "conflict"
    assert reply.body["title"] == "Conflict"
    for word in words:
        assert word in reply.body["detail"], reply.body["detail"]


def actions_of(body: dict[str, Any]) -> set[str]:
    return {name for name, allowed in body["available_actions"].items() if allowed}


# --- the status machine ------------------------------------------------------------------------


def test_suspend_then_activate_then_revoke(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    suspended = act(api, token, key["id"], "suspend")
    assert suspended.status == 200, suspended.text
    assert suspended.header("Cache-Control") is None
    body = suspended.body
    assert body["status"] == "suspended"
    assert body["suspended_at"] is not None
    assert actions_of(body) == {"activate", "revoke", "delete"}
    assert stored(api, key["id"])["version"] == {"N": "2"}

    activated = act(api, token, key["id"], "activate")
    assert activated.status == 200
    assert activated.body["status"] == "active"
    assert activated.body["suspended_at"] is None
    assert actions_of(activated.body) == {"suspend", "revoke", "rotate"}

    revoked = act(api, token, key["id"], "revoke")
    assert revoked.status == 200
    assert revoked.body["status"] == "revoked"
    assert revoked.body["revoked_at"] is not None
    assert actions_of(revoked.body) == {"delete"}
    item = stored(api, key["id"])
    assert item["version"] == {"N": "4"}
    # Revocation starts the retention window: DynamoDB TTL may remove the item after it.
    revoked_at = clock.parse_rfc3339(revoked.body["revoked_at"])
    assert int(item["ttl"]["N"]) == pytest.approx(revoked_at + 30 * DAY, abs=1)
    assert get(api, token, key["id"]).body == revoked.body


def test_a_suspended_key_can_be_revoked_and_deleted(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    assert act(api, token, key["id"], "suspend").status == 200
    assert act(api, token, key["id"], "revoke").body["status"] == "revoked"
    key2 = create(api, token, name="two")
    assert act(api, token, key2["id"], "suspend").status == 200
    deleted = act(api, token, key2["id"], "delete")
    assert deleted.status == 204
    assert deleted.text == ""
    assert deleted.header("X-Request-Id")
    assert stored(api, key2["id"]) is None
    assert get(api, token, key2["id"]).status == 404


def test_a_revoked_key_is_deleted_and_then_not_found(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    act(api, token, key["id"], "revoke")
    assert act(api, token, key["id"], "delete").status == 204
    for action in ACTIONS:
        reply = act(api, token, key["id"], action)
        assert reply.status == 404, (action, reply.text)
        assert reply.body["type"] == PROBLEM_TYPE + "not-found"
    assert patch(api, token, key["id"], {"name": "x"}).status == 404


@pytest.mark.parametrize(
    ("setup", "action", "words"),
    [
        ([], "activate", ("The key is active", "activate is available only for suspended keys")),
        ([], "delete", ("The key is active", "delete is available only for suspended, revoked or expired")),
        (["suspend"], "suspend", ("The key is suspended", "suspend is available only for active keys")),
        (["suspend"], "rotate", ("The key is suspended", "rotate is available only for active keys")),
        (
            ["revoke"],
            "revoke",
            ("The key is revoked; revoke is available only for active or suspended keys.",),
        ),
        (["revoke"], "suspend", ("The key is revoked",)),
        (["revoke"], "activate", ("The key is revoked",)),
        (["revoke"], "rotate", ("The key is revoked",)),
        (["suspend", "revoke"], "activate", ("The key is revoked",)),
    ],
)
def test_an_action_the_status_does_not_allow_is_409_naming_the_status(
    api: Api, setup: list[str], action: str, words: tuple[str, ...]
) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    for step in setup:
        assert act(api, token, key["id"], step).status == 200
    before = stored(api, key["id"])
    reply = act(api, token, key["id"], action)
    conflict(reply, *words)
    assert stored(api, key["id"]) == before  # a refusal changes nothing, not even the version
    current = get(api, token, key["id"]).body
    assert current["available_actions"][action] is False


def test_a_revoked_key_never_comes_back(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    act(api, token, key["id"], "revoke")
    for action in ("activate", "suspend", "revoke", "rotate"):
        conflict(act(api, token, key["id"], action), "revoked")
    conflict(patch(api, token, key["id"], {"expires_at": clock.rfc3339(time.time() + DAY)}), "revoked")
    body = get(api, token, key["id"]).body
    assert body["status"] == "revoked"
    assert stored(api, key["id"])["version"] == {"N": "2"}


def test_available_actions_match_what_the_api_accepts(api: Api) -> None:
    """For each status, every action listed as available succeeds and every other one is 409."""
    token = api.session("alice", "acme")
    for setup in ([], ["suspend"], ["revoke"], ["suspend", "revoke"]):
        for action in ACTIONS:
            key = create(api, token)
            for step in setup:
                act(api, token, key["id"], step)
            allowed = get(api, token, key["id"]).body["available_actions"][action]
            reply = act(api, token, key["id"], action)
            if allowed:
                assert reply.status in (200, 201, 204), (setup, action, reply.text)
            else:
                conflict(reply)


# --- expiry derived from the clock ---------------------------------------------------------------


def frozen(at: float) -> None:
    """The clock says ``at`` from now on, through ``wiring`` (the one clock idiom); the ``api``
    fixture's ``wiring.replace`` puts the real clock back when the test ends."""
    wiring.install(now=lambda: at)


def test_a_key_past_its_expiry_reads_expired_and_refuses_all_but_delete(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token, expires_in_seconds=3600)
    suspended = create(api, token, name="suspended", expires_in_seconds=3600)
    act(api, token, suspended["id"], "suspend")
    frozen(time.time() + 7200)  # records store epoch seconds; the clock says later
    for item in (key, suspended):
        body = get(api, token, item["id"]).body
        assert body["status"] == "expired"
        assert actions_of(body) == {"delete"}
        for action in ("suspend", "activate", "revoke", "rotate"):
            conflict(act(api, token, item["id"], action), "The key is expired")
        conflict(patch(api, token, item["id"], {"name": "x"}), "The key is expired")
        assert act(api, token, item["id"], "delete").status == 204


def test_reads_never_trust_ttl(api: Api, dynamodb: tuple[Any, str]) -> None:
    """An item whose ttl has passed but that DynamoDB has not removed yet still reads as what it
    is (revoked, expired), never as valid and never as absent."""
    client, table = dynamodb
    token = api.session("alice", "acme")
    revoked = create(api, token, name="revoked")
    act(api, token, revoked["id"], "revoke")
    expired = create(api, token, name="expired")
    long_ago = int(time.time()) - 90 * DAY
    for key_id, extra in (
        (revoked["id"], {}),
        (expired["id"], {"expires_at": {"N": str(long_ago)}}),
    ):
        item = stored(api, key_id)
        item.update(extra, ttl={"N": str(long_ago + 30 * DAY)})
        client.put_item(TableName=table, Item=item)
    assert get(api, token, revoked["id"]).body["status"] == "revoked"
    assert get(api, token, expired["id"]).body["status"] == "expired"
    listed = {i["id"]: i["status"] for i in api.request("GET", "/v1/api-keys", token=token).body["items"]}
    assert listed == {revoked["id"]: "revoked", expired["id"]: "expired"}
    verified = api.parts.verifier.verify(revoked["key"])
    assert verified.code == "REVOKED"
    assert api.parts.verifier.verify(expired["key"]).code == "EXPIRED"
    # and an API key whose item outlived its ttl does not authenticate
    reply = api.request("GET", "/v1/api-keys", token=expired["key"])
    assert reply.status == 401


# --- PATCH ---------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token, description="first", metadata={"team": "a"}, scopes=["read"])
    expires = clock.rfc3339(time.time() + 10 * DAY)
    reply = patch(api, token, key["id"], {"name": "  renamed  ", "scopes": ["read", "write"]})
    assert reply.status == 200, reply.text
    body = reply.body
    assert body["name"] == "renamed"
    assert body["scopes"] == ["read", "write"]
    assert body["description"] == "first"
    assert body["metadata"] == {"team": "a"}
    assert body["updated_at"] >= key["updated_at"]
    assert "key" not in body
    reply = patch(api, token, key["id"], {"metadata": {"owner": "b"}, "expires_at": expires})
    assert reply.body["metadata"] == {"owner": "b"}  # replaced, not merged
    assert reply.body["expires_at"] == expires
    assert reply.body["name"] == "renamed"
    item = stored(api, key["id"])
    assert item["version"] == {"N": "3"}
    assert int(item["ttl"]["N"]) == int(clock.parse_rfc3339(expires)) + 30 * DAY
    assert get(api, token, key["id"]).body == reply.body


def test_patch_null_clears_description_and_expiry(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token, description="text", expires_in_seconds=3600)
    reply = patch(api, token, key["id"], {"description": None, "expires_at": None})
    assert reply.status == 200, reply.text
    assert reply.body["description"] is None
    assert reply.body["expires_at"] is None
    item = stored(api, key["id"])
    assert "ttl" not in item and "expires_at" not in item and "description" not in item
    again = patch(api, token, key["id"], {"description": "back"})
    assert again.body["description"] == "back"
    assert patch(api, token, key["id"], {"description": ""}).body["description"] is None
    assert patch(api, token, key["id"], {"metadata": {}}).body["metadata"] == {}


def test_patch_works_on_a_suspended_key_and_keeps_it_suspended(api: Api) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    act(api, token, key["id"], "suspend")
    reply = patch(api, token, key["id"], {"name": "paused"})
    assert reply.status == 200
    assert reply.body["status"] == "suspended"


def test_patch_expiry_is_bounded_by_the_deploy_maximum_from_creation(make_api: Any) -> None:
    api = make_api(max_key_lifetime_days=30)
    token = api.session("alice", "acme")
    key = create(api, token)
    created = clock.parse_rfc3339(key["created_at"])
    assert clock.parse_rfc3339(key["expires_at"]) == pytest.approx(created + 30 * DAY, abs=1)
    # Twenty days later, the key may still be set to expire up to day 30 of its life, not beyond.
    frozen(created + 20 * DAY)
    ok = patch(api, token, key["id"], {"expires_at": clock.rfc3339(created + 29 * DAY)})
    assert ok.status == 200, ok.text
    too_late = patch(api, token, key["id"], {"expires_at": clock.rfc3339(created + 31 * DAY)})
    assert too_late.status == 422, too_late.text
    assert too_late.body["type"] == PROBLEM_TYPE + "validation-error"
    assert too_late.body["errors"][0]["pointer"] == "/expires_at"
    assert "after the key's creation" in too_late.body["detail"]
    cleared = patch(api, token, key["id"], {"expires_at": None})
    assert cleared.status == 422
    assert cleared.body["errors"][0]["pointer"] == "/expires_at"
    assert get(api, token, key["id"]).body["expires_at"] == ok.body["expires_at"]


def test_patch_on_another_users_key_is_404_and_changes_nothing(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    key = create(api, alice)
    before = stored(api, key["id"])
    reply = patch(api, bob, key["id"], {"name": "mine now"})
    assert reply.status == 404
    assert reply.body["type"] == PROBLEM_TYPE + "not-found"
    assert stored(api, key["id"]) == before


# --- rotation -----------------------------------------------------------------------------------


def test_rotate_without_grace_revokes_the_old_key_at_once(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token, description="d", scopes=["read", "write"], metadata={"team": "ci"})
    reply = act(api, token, old["id"], "rotate")
    assert reply.status == 201, reply.text
    assert reply.header("Cache-Control") == "no-store"
    new = reply.body
    assert tokens.is_well_formed(new["key"], "ks")
    assert new["id"] == tokens.key_id(tokens.digest(new["key"])) != old["id"]
    for name in ("name", "description", "scopes", "owner", "environment_id", "metadata", "tenant_id"):
        assert new[name] == old[name], name
    assert new["rotated_from"] == old["id"]
    assert new["rotated_to"] is None
    assert new["status"] == "active"
    assert new["expires_at"] is None
    assert new["created_by"] == {"type": "user", "id": "alice"}
    previous = get(api, token, old["id"]).body
    assert previous["status"] == "revoked"
    assert previous["rotated_to"] == new["id"]
    assert previous["revoked_at"] is not None
    assert previous["available_actions"]["rotate"] is False
    assert stored(api, old["id"])["version"] == {"N": "2"}
    assert api.parts.verifier.verify(old["key"]).code == "REVOKED"
    assert api.parts.verifier.verify(new["key"]).code == "VALID"
    fetched = get(api, token, new["id"])
    assert {k: v for k, v in new.items() if k != "key"} == fetched.body
    assert new["key"] not in fetched.text


def test_rotate_with_grace_keeps_the_old_key_until_the_grace_ends(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token)
    now = time.time()
    reply = act(api, token, old["id"], "rotate", {"grace_period_seconds": 3600})
    assert reply.status == 201, reply.text
    previous = get(api, token, old["id"]).body
    assert previous["status"] == "active"
    assert previous["rotated_to"] == reply.body["id"]
    ends = clock.parse_rfc3339(previous["expires_at"])
    assert ends == pytest.approx(now + 3600, abs=2)
    assert int(stored(api, old["id"])["ttl"]["N"]) == int(ends) + 30 * DAY
    assert api.parts.verifier.verify(old["key"]).code == "VALID"
    conflict(act(api, token, old["id"], "rotate"), "already been rotated", reply.body["id"])
    frozen(ends + 1)
    assert get(api, token, old["id"]).body["status"] == "expired"
    assert get(api, token, reply.body["id"]).body["status"] == "active"


def test_grace_never_extends_the_old_keys_own_expiry(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token, expires_in_seconds=600)
    reply = act(api, token, old["id"], "rotate", {"grace_period_seconds": 86_400})
    assert reply.status == 201
    assert get(api, token, old["id"]).body["expires_at"] == old["expires_at"]


def test_the_successor_lives_as_long_as_the_old_key_was_set_to(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token, expires_in_seconds=10 * DAY)
    new = act(api, token, old["id"], "rotate").body
    lifetime = clock.parse_rfc3339(old["expires_at"]) - clock.parse_rfc3339(old["created_at"])
    assert clock.parse_rfc3339(new["expires_at"]) - clock.parse_rfc3339(new["created_at"]) == pytest.approx(
        lifetime, abs=1
    )
    assert int(stored(api, new["id"])["ttl"]["N"]) == int(clock.parse_rfc3339(new["expires_at"])) + 30 * DAY


def test_the_successor_of_a_key_without_expiry_gets_the_deploy_maximum(make_api: Any) -> None:
    api = make_api()
    token = api.session("alice", "acme")
    old = create(api, token)
    capped = make_api(max_key_lifetime_days=7)
    new = act(capped, token, old["id"], "rotate").body
    lifetime = clock.parse_rfc3339(new["expires_at"]) - clock.parse_rfc3339(new["created_at"])
    assert lifetime == pytest.approx(7 * DAY, abs=1)


def test_rotate_body_is_optional_and_empty_object_means_no_grace(api: Api) -> None:
    token = api.session("alice", "acme")
    first = create(api, token)
    reply = api.request("POST", f"/v1/api-keys/{first['id']}/rotate", token=token)
    assert reply.status == 201, reply.text
    second = create(api, token, name="two")
    reply = act(api, token, second["id"], "rotate", {})
    assert reply.status == 201, reply.text
    assert get(api, token, second["id"]).body["status"] == "revoked"


def test_a_rotated_key_cannot_be_rotated_again_but_its_successor_can(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token)
    first = act(api, token, old["id"], "rotate", {"grace_period_seconds": 60}).body
    conflict(act(api, token, old["id"], "rotate"), "already been rotated")
    second = act(api, token, first["id"], "rotate")
    assert second.status == 201
    assert second.body["rotated_from"] == first["id"]
    chain = get(api, token, first["id"]).body
    assert chain["rotated_from"] == old["id"] and chain["rotated_to"] == second.body["id"]


def test_the_old_key_in_grace_can_still_be_revoked_early(api: Api) -> None:
    token = api.session("alice", "acme")
    old = create(api, token)
    act(api, token, old["id"], "rotate", {"grace_period_seconds": 3600})
    revoked = act(api, token, old["id"], "revoke")
    assert revoked.status == 200
    assert revoked.body["status"] == "revoked"


def test_a_concurrent_change_between_read_and_write_fails_the_rotation(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotation reads, then writes on condition that the version is still the one read."""
    token = api.session("alice", "acme")
    key = create(api, token)
    store = api.parts.store
    real_get = store.get

    def get_then_someone_patches(key_id: str) -> KeyRecord | None:
        record = real_get(key_id)
        assert patch(api, token, key["id"], {"name": "changed meanwhile"}).status == 200
        return record

    monkeypatch.setattr(store, "get", get_then_someone_patches)
    reply = act(api, token, key["id"], "rotate")
    conflict(reply, "changed concurrently")
    monkeypatch.undo()
    after = stored(api, key["id"])
    assert "rotated_to" not in after
    assert from_item(after).name == "changed meanwhile"
    listed = api.request("GET", "/v1/api-keys", token=token).body["items"]
    assert [i["id"] for i in listed] == [key["id"]]  # no successor was written


def test_rotate_of_a_key_deleted_between_read_and_write_is_404(
    api: Api, monkeypatch: pytest.MonkeyPatch, dynamodb: tuple[Any, str]
) -> None:
    client, table = dynamodb
    token = api.session("alice", "acme")
    key = create(api, token)
    store = api.parts.store
    real_get = store.get

    def get_then_gone(key_id: str) -> KeyRecord | None:
        record = real_get(key_id)
        client.delete_item(TableName=table, Key={"id": {"S": key_id}})
        return record

    monkeypatch.setattr(store, "get", get_then_gone)
    reply = act(api, token, key["id"], "rotate")
    assert reply.status == 404, reply.text
    monkeypatch.undo()
    assert api.request("GET", "/v1/api-keys", token=token).body["items"] == []


def test_rotating_by_a_service_account_key_records_the_key_as_creator(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = create(api, admin, service_account_id="sa_ci", scopes=["read", "write"])
    target = create(api, admin, service_account_id="sa_ci", name="deploy", scopes=["read"])
    reply = act(api, writer["key"], target["id"], "rotate")
    assert reply.status == 201, reply.text
    assert reply.body["created_by"] == {"type": "api_key", "id": writer["id"]}
    assert reply.body["owner"] == {"type": "service_account", "id": "sa_ci"}


def test_a_key_can_rotate_itself_and_keeps_working_in_its_grace(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    me = create(api, admin, service_account_id="sa_ci", scopes=["read", "write"])
    reply = act(api, me["key"], me["id"], "rotate", {"grace_period_seconds": 300})
    assert reply.status == 201, reply.text
    assert api.request("GET", f"/v1/api-keys/{me['id']}", token=me["key"]).status == 200
    new_key = reply.body["key"]
    assert api.request("GET", f"/v1/api-keys/{reply.body['id']}", token=new_key).status == 200


@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_a_change_whose_answer_was_lost_and_retried_still_succeeds(api: Api, action: str) -> None:
    """DynamoDB applied the UpdateItem but its answer was lost; botocore's retry fails the condition
    the first attempt made false, and must still be answered 200, not 409."""
    token = api.session("u_retry", "acme")
    created = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}).body
    client = api.parts.store.client
    original = client.update_item

    def applied_then_retried(**kwargs: object) -> object:
        original(**kwargs)  # the first attempt lands, its answer is lost...
        return original(**kwargs)  # ...and the retry meets the state it made

    client.update_item = applied_then_retried  # type: ignore[method-assign]
    try:
        reply = api.request("POST", f"/v1/api-keys/{created['id']}/{action}", token=token)
    finally:
        del client.update_item
    assert reply.status == 200, reply.text
    assert reply.body["status"] == {"suspend": "suspended", "revoke": "revoked"}[action]
    again = api.request("POST", f"/v1/api-keys/{created['id']}/{action}", token=token)
    assert again.status == 409  # a real second request is still refused
