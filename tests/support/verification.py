"""What the verify, authorizer and whoami tests share: a key made by an admin of acme, the stored
item changed behind the API's back, and every invalid code with how to arrange it."""

from __future__ import annotations

import time
from typing import Any

from keysmith.domain import key_format
from keysmith.domain.api_key import REVOKED, SUSPENDED
from tests.helpers import Api, Reply

KEY_FIELDS = {"id", "tenant_id", "owner", "scopes", "environment_id", "expires_at", "metadata"}


def admin_key(api: Api, **body: Any) -> dict[str, Any]:
    token = api.session("u_1", "acme", ["admin"])
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "svc", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def verify(api: Api, body: Any) -> Reply:
    return api.request("POST", "/internal/v1/verify", json_body=body)


def fetch(api: Api, key_id: str) -> dict[str, Any]:
    reply = api.request("GET", f"/v1/api-keys/{key_id}", token=api.session("u_1", "acme", ["admin"]))
    assert reply.status == 200, reply.text
    return dict(reply.body)


def set_item(api: Api, key_id: str, remove: tuple[str, ...] = (), **values: dict[str, str]) -> None:
    """Change the stored item directly (as another container or an operator would): set ``values``,
    remove ``remove``, and move its version as every write of a key does."""
    store = api.parts.store
    store.client.update_item(**store.update_request(key_id, values, remove, ("attribute_exists(id)", {}, {})))


def expire(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], expires_at={"N": str(int(time.time()) - 1)})


def suspend(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], status={"S": SUSPENDED}, suspended_at={"N": str(int(time.time()))})


def revoke(api: Api, created: dict[str, Any]) -> None:
    set_item(api, created["id"], status={"S": REVOKED}, revoked_at={"N": str(int(time.time()))})


CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("MALFORMED", None, {"key": "ks_not-a-key"}),
    ("MALFORMED", None, {"key": ""}),
    ("NOT_FOUND", "unknown", {}),
    ("EXPIRED", expire, {}),
    ("SUSPENDED", suspend, {}),
    ("REVOKED", revoke, {}),
    ("INSUFFICIENT_SCOPE", None, {"required_scopes": ["write"]}),
    ("WRONG_ENVIRONMENT", None, {"environment_id": "env_dev"}),
]


def arrange_case(api: Api, arrange: Any) -> tuple[dict[str, Any], str]:
    """A key of acme (read, env_prod) put in the state ``arrange`` of a CASES row: the key as created
    and the plaintext to verify (a well-formed unknown one when ``arrange`` is "unknown")."""
    created = admin_key(api, scopes=["read"], environment_id="env_prod")
    key = key_format.generate("ks") if arrange == "unknown" else created["key"]
    if callable(arrange):
        arrange(api, created)
    return created, key
