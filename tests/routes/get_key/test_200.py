"""GET /v1/api-keys/{id} reads the status from the clock and the item, never from the TTL."""

from __future__ import annotations

import time
from typing import Any

from tests.support.client import Client as Api

DAY = 86_400


def test_reads_never_trust_ttl(api: Api, dynamodb: tuple[Any, str]) -> None:
    """An item whose ttl has passed but that DynamoDB has not removed yet still reads as what it
    is (revoked, expired), never as valid and never as absent."""
    client, table = dynamodb
    token = api.session("alice", "acme")
    revoked = api.created_key(token, name="revoked")
    api.act(token, revoked["id"], "revoke")
    expired = api.created_key(token, name="expired")
    long_ago = int(time.time()) - 90 * DAY
    for key_id, extra in (
        (revoked["id"], {}),
        (expired["id"], {"expires_at": {"N": str(long_ago)}}),
    ):
        item = api.stored(key_id)
        item.update(extra, ttl={"N": str(long_ago + 30 * DAY)})
        client.put_item(TableName=table, Item=item)
    assert api.get_key(token, revoked["id"]).body["status"] == "revoked"
    assert api.get_key(token, expired["id"]).body["status"] == "expired"
    listed = {i["id"]: i["status"] for i in api.request("GET", "/v1/api-keys", token=token).body["items"]}
    assert listed == {revoked["id"]: "revoked", expired["id"]: "expired"}
    verified = api.parts.verifier.verify(revoked["key"])
    assert verified.code == "REVOKED"
    assert api.parts.verifier.verify(expired["key"]).code == "EXPIRED"
    # and an API key whose item outlived its ttl does not authenticate
    reply = api.request("GET", "/v1/api-keys", token=expired["key"])
    assert reply.status == 401
