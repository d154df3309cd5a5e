"""POST /v1/api-keys/{id}/rotate of a key deleted between read and write answers 404."""

from __future__ import annotations

from typing import Any

import pytest

from keysmith.domain.api_key import KeyRecord
from tests.support.client import Client as Api


def test_rotate_of_a_key_deleted_between_read_and_write_is_404(
    api: Api, monkeypatch: pytest.MonkeyPatch, dynamodb: tuple[Any, str]
) -> None:
    client, table = dynamodb
    token = api.session("alice", "acme")
    key = api.created_key(token)
    store = api.parts.store
    real_get = store.get

    def get_then_gone(key_id: str) -> KeyRecord | None:
        record = real_get(key_id)
        client.delete_item(TableName=table, Key={"id": {"S": key_id}})
        return record

    monkeypatch.setattr(store, "get", get_then_gone)
    reply = api.act(token, key["id"], "rotate")
    assert reply.status == 404, reply.text
    monkeypatch.undo()
    assert api.request("GET", "/v1/api-keys", token=token).body["items"] == []
