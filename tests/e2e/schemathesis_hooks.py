"""schemathesis hooks for tests/e2e/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The document states every rule it can; some values depend on the server's state or clock, or on
rules no schema can name: a key id that exists, a cursor the server issued for this listing, an
expiry in the future (and a not_before before it), an Idempotency-Key not yet used with another
body, and CIDR ranges without host bits. For schema-valid
(positive) cases, these hooks put real ones in, as a
schemathesis user supplies real identifiers; negative cases are sent as generated.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests
import schemathesis

BASE = os.environ.get("KEYSMITH_FUZZ_BASE", "")
TOKEN = os.environ.get("KEYSMITH_FUZZ_TOKEN", "")
TARGET_BODY = json.loads(os.environ.get("KEYSMITH_FUZZ_TARGET_BODY") or "{}")
_http = requests.Session()


def _positive(case: Any) -> bool:
    generation = getattr(getattr(case, "meta", None), "generation", None)
    return str(getattr(getattr(generation, "mode", None), "value", "")) == "positive"


def _call(method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return _http.request(method, BASE + path, headers=headers, timeout=30, **kwargs)


def _fresh_key_id() -> str | None:
    reply = _call("POST", "/v1/api-keys", json={"name": "schemathesis target", **TARGET_BODY})
    return str(reply.json()["id"]) if reply.status_code == 201 else None


def _future() -> str:
    return datetime.fromtimestamp(int(time.time()) + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if not BASE or not _positive(case):
        return
    path = case.operation.path
    if "{id}" in path and random.random() < 0.75:
        key_id = _fresh_key_id()
        if key_id is not None:
            case.path_parameters = {**(case.path_parameters or {}), "id": key_id}
    listings = ("/v1/api-keys", "/v1/audit-events")
    if path in listings and case.method.upper() == "GET" and case.query and "cursor" in case.query:
        listing = {k: v for k, v in case.query.items() if k not in ("cursor", "limit")}
        reply = _call("GET", path, params={**listing, "limit": 1})
        cursor = reply.json().get("next_cursor") if reply.status_code == 200 else None
        query = dict(case.query)
        if cursor:
            query["cursor"] = cursor
        else:
            query.pop("cursor")
        case.query = query
    headers = dict(case.headers or {})
    for name in [n for n in headers if n.lower() == "idempotency-key"]:
        headers[name] = uuid.uuid4().hex
        case.headers = headers
    if isinstance(case.body, dict) and isinstance(case.body.get("expires_at"), str):
        case.body = {**case.body, "expires_at": _future()}
    if isinstance(case.body, dict) and isinstance(case.body.get("not_before"), str):
        case.body = {**case.body, "not_before": "2020-01-01T00:00:00Z"}
    if isinstance(case.body, dict) and isinstance(case.body.get("allowed_ips"), list):
        ranges = [f"10.{i}.0.0/16" for i in range(len(case.body["allowed_ips"]))]
        case.body = {**case.body, "allowed_ips": ranges}
