"""POST /v1/api-keys/{id}/rotate of a key deleted between read and write answers 404."""

from __future__ import annotations

from typing import Any

from tests.support.client import Client as Api
from tests.support.interleavings import between_read_and_write


def test_rotate_of_a_key_deleted_between_read_and_write_is_404(api: Api, dynamodb: tuple[Any, str]) -> None:
    client, table = dynamodb
    token = api.session("alice", "acme")
    key = api.created_key(token)

    def delete(key_id: str) -> None:
        client.delete_item(TableName=table, Key={"id": {"S": key_id}})

    with between_read_and_write(api.parts.store, delete):
        reply = api.act(token, key["id"], "rotate")
    assert reply.status == 404, reply.text
    assert api.request("GET", "/v1/api-keys", token=token).body["items"] == []
