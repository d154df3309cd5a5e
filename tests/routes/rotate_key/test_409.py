"""POST /v1/api-keys/{id}/rotate answers 409 for a rotated key and for a change between read and write."""

from __future__ import annotations

from keysmith.store.items import from_item
from tests.support.client import Client as Api
from tests.support.interleavings import between_read_and_write
from tests.support.problems import assert_conflict
from tests.support.refusals import refused


def test_a_rotated_key_cannot_be_rotated_again_but_its_successor_can(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token)
    first = api.act(token, old["id"], "rotate", {"grace_period_seconds": 60}).body
    assert_conflict(api.act(token, old["id"], "rotate"), "already been rotated")
    second = api.act(token, first["id"], "rotate")
    assert second.status == 201
    assert second.body["rotated_from"] == first["id"]
    chain = api.get_key(token, first["id"]).body
    assert chain["rotated_from"] == old["id"] and chain["rotated_to"] == second.body["id"]


def test_a_concurrent_change_between_read_and_write_fails_the_rotation(api: Api) -> None:
    """Rotation reads, then writes on condition that the version is still the one read."""
    token = api.session("alice", "acme")
    key = api.created_key(token)

    patched: list[int] = []

    def someone_patches(_read: str) -> None:
        if not patched:  # once: the PATCH reads the key too
            patched.append(1)
            assert api.update_key(token, key["id"], {"name": "changed meanwhile"}).status == 200

    with between_read_and_write(api.parts.store, someone_patches):
        reply = api.act(token, key["id"], "rotate")
    assert_conflict(reply, "changed concurrently")
    after = api.stored(key["id"])
    assert "rotated_to" not in after
    assert from_item(after).name == "changed meanwhile"
    listed = api.request("GET", "/v1/api-keys", token=token).body["items"]
    assert [i["id"] for i in listed] == [key["id"]]  # no successor was written


test_rotate_where_the_status_does_not_allow_it_is_409_naming_the_status = refused("rotate")
