"""Against DynamoDB Local (the real engine, in memory, started and stopped here): p50/p99 latency of
the verify handler against raw get_item calls on the same table, and the DynamoDB requests every
operation makes, counted with a botocore ``before-call`` hook on the functions' own client.

The functions run in this process as the local server runs them (local.stack: template.yaml's
environment, the layer on the path, each function imported by file path), and their events come
from the same gateway emulation (local.gateway), with a local session.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.dynamo_calls import counting
from local.gateway import HttpRequest, new_request_id
from local.gateway.events import build_authorizer_event
from local.invocation import Invoker, started
from local.placeholders import SessionSpec
from local.stack import LocalStack

# The request budget (docs/api-reference.md): DynamoDB requests per operation in the steady
# state, for a session caller
# (an API-key caller adds the one read of its own key). A change reads the key it is judged on and
# writes one transaction, the change and its audit event (rotate's also puts the successor), as
# tests/rules/test_request_budget.py counts it.
BUDGET: dict[str, dict[str, int]] = {
    "verify": {"GetItem": 1},
    # a key with a rate limit and credits, once this process has met it: one conditional UpdateItem
    "verify_limited": {"UpdateItem": 1},
    "authorizer": {"GetItem": 1},
    "get": {"GetItem": 1},
    "list": {"Query": 1},
    "create": {"TransactWriteItems": 1},
    "update": {"GetItem": 1, "TransactWriteItems": 1},
    "suspend": {"GetItem": 1, "TransactWriteItems": 1},
    "activate": {"GetItem": 1, "TransactWriteItems": 1},
    "revoke": {"GetItem": 1, "TransactWriteItems": 1},
    "rotate": {"GetItem": 1, "TransactWriteItems": 1},
    "delete": {"GetItem": 1, "TransactWriteItems": 1},
}


def within(calls: list[str], budget: dict[str, int]) -> bool:
    counts = Counter(calls)
    return all(counts[operation] <= budget.get(operation, 0) for operation in counts)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class Bench:
    def __init__(self, invoker: Invoker) -> None:
        self.invoker = invoker
        self.stack: LocalStack = invoker.stack
        from keysmith.store.client import default_client  # after started(): the layer is on the path

        self.client = default_client(self.stack.endpoint)
        self.token = invoker.mint(SessionSpec("u_bench", "bench", ("admin",)))

    def route(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.invoker.call_route(method, path, self.token, body)

    def create_key(self, **body: Any) -> dict[str, Any]:
        status, created = self.route(
            "POST", "/v1/api-keys", {"name": "bench", "scopes": ["read", "write"], **body}
        )
        if status != 201:
            raise RuntimeError(f"create answered {status}: {created}")
        return dict(created)

    def limited_key(self) -> dict[str, Any]:
        """A key with a rate limit and credits that the bench cannot use up."""
        return self.create_key(
            rate_limit={"limit": 1_000_000, "window_seconds": 86_400},
            credits={"remaining": 10**12},
        )

    def verify_event(self, key: str) -> dict[str, Any]:
        body = json.dumps({"key": key, "required_scopes": ["read"]}).encode()
        headers = [("Host", "127.0.0.1"), ("User-Agent", "bench/1.0"), ("Content-Type", "application/json")]
        request = HttpRequest.from_target("POST", "/internal/v1/verify", headers, body)
        _, event = self.invoker.gateway.event(request, new_request_id())
        return event

    def authorizer_event(self, key: str) -> dict[str, Any]:
        headers = [("Host", "127.0.0.1"), ("User-Agent", "bench/1.0"), ("Authorization", f"Bearer {key}")]
        routed = self.invoker.gateway.route(HttpRequest.from_target("GET", "/v1/whoami", headers))
        assert routed is not None
        return build_authorizer_event(
            routed.request,
            routed.match,
            request_id=new_request_id(),
            identity_source=[f"Bearer {key}"],
            api_id=routed.api.api_id,
        )

    # --- latency ------------------------------------------------------------------------------
    def latency(self, samples: int, key_format: str = "opaque") -> dict[str, Any]:
        """The verify handler on a key without limits (opaque or JWT) vs one raw consistent get_item."""
        created = self.create_key(format=key_format)
        request = {
            "TableName": self.stack.table_name,
            "Key": {"id": {"S": created["id"]}},
            "ConsistentRead": True,
        }
        return self._against(created["key"], lambda: self.client.get_item(**request), samples, "get_item")

    def limited_latency(self, samples: int) -> dict[str, Any]:
        """The verify handler on a key with a rate limit and credits vs one raw conditional
        update_item of the same item that answers ALL_NEW (what the verifier's write does at least)."""
        created = self.limited_key()
        request = {
            "TableName": self.stack.table_name,
            "Key": {"id": {"S": created["id"]}},
            "UpdateExpression": "SET bench_n = if_not_exists(bench_n, :zero) + :one",
            "ConditionExpression": "attribute_exists(key_hash)",
            "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}},
            "ReturnValues": "ALL_NEW",
        }
        return self._against(
            created["key"], lambda: self.client.update_item(**request), samples, "update_item"
        )

    def _against(self, key: str, raw: Callable[[], Any], samples: int, floor: str) -> dict[str, Any]:
        handler = self.stack.functions.get("VerifyFunction").handler
        event = self.verify_event(key)
        body = event["body"]

        def verify_once() -> float:
            event["body"] = body
            started_at = time.perf_counter()
            result = handler(event, None)
            elapsed = time.perf_counter() - started_at
            if result["statusCode"] != 200 or not json.loads(result["body"])["valid"]:
                raise RuntimeError(f"verify failed during the bench: {result}")
            return elapsed * 1000

        def raw_once() -> float:
            started_at = time.perf_counter()
            raw()
            return (time.perf_counter() - started_at) * 1000

        for _ in range(200):  # warm both paths (the first verification writes last-used)
            verify_once()
            raw_once()
        verify_ms: list[float] = []
        raw_ms: list[float] = []
        for i in range(samples):  # interleaved, alternating which goes first
            if i % 2:
                verify_ms.append(verify_once())
                raw_ms.append(raw_once())
            else:
                raw_ms.append(raw_once())
                verify_ms.append(verify_once())
        result: dict[str, Any] = {"samples": samples, "floor": floor}
        for name, values in (("verify", verify_ms), (floor, raw_ms)):
            result[f"{name}_p50_ms"] = round(statistics.median(values), 3)
            result[f"{name}_p99_ms"] = round(_percentile(values, 0.99), 3)
        result["p50_ratio"] = round(result["verify_p50_ms"] / result[f"{floor}_p50_ms"], 3)
        result["p99_ratio"] = round(result["verify_p99_ms"] / result[f"{floor}_p99_ms"], 3)
        return result

    def limited_requests_per_verification(self, verifications: int = 100) -> dict[str, Any]:
        """Requests over ``verifications`` of a fresh limited key, its first in this process included."""
        key = self.limited_key()["key"]
        verify = self.stack.functions.get("VerifyFunction")
        with counting(self.client) as calls:
            for _ in range(verifications):
                verify(self.verify_event(key))
        return {
            "verifications": verifications,
            "requests": len(calls),
            "per_verification": round(len(calls) / verifications, 3),
            "operations": dict(Counter(calls)),
        }

    # --- requests per operation ------------------------------------------------------------------
    def requests(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        available = set(self.stack.functions.specs)

        def measure(name: str, function: str, call: Callable[[], tuple[int, Any]], ok: int) -> Any:
            if function not in available:
                found[name] = {"error": f"{function} is not in template.yaml"}
                return None
            try:
                with counting(self.client) as calls:
                    status, body = call()
            except Exception as error:  # a function not written yet: report, do not stop the bench
                found[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
                return None
            budget = BUDGET[name]
            entry: dict[str, Any] = {
                "requests": len(calls),
                "operations": calls,
                "budget": sum(budget.values()),
                "budget_operations": budget,
            }
            if status != ok:
                entry["error"] = f"answered {status}: {json.dumps(body)[:200]}"
            entry["met"] = status == ok and within(calls, budget)
            found[name] = entry
            return body

        created = measure(
            "create",
            "CreateKeyFunction",
            lambda: self.route("POST", "/v1/api-keys", {"name": "bench ops"}),
            201,
        )
        if created is None:
            return found
        key_id, key = created["id"], created["key"]
        measure("get", "GetKeyFunction", lambda: self.route("GET", f"/v1/api-keys/{key_id}"), 200)
        measure("list", "ListKeysFunction", lambda: self.route("GET", "/v1/api-keys"), 200)
        measure(
            "update",
            "UpdateKeyFunction",
            lambda: self.route("PATCH", f"/v1/api-keys/{key_id}", {"name": "renamed"}),
            200,
        )
        verify = self.stack.functions.get("VerifyFunction")
        with counting(self.client) as first:
            verify(self.verify_event(key))
        measure("verify", "VerifyFunction", lambda: _http(verify(self.verify_event(key))), 200)
        found["verify"]["first_in_window"] = first
        limited = self.limited_key()["key"]
        with counting(self.client) as first_limited:
            verify(self.verify_event(limited))
        measure("verify_limited", "VerifyFunction", lambda: _http(verify(self.verify_event(limited))), 200)
        found["verify_limited"]["first_in_window"] = first_limited
        authorizer = self.stack.functions.get("AuthorizerFunction")
        measure(
            "authorizer",
            "AuthorizerFunction",
            lambda: (200 if authorizer(self.authorizer_event(key))["isAuthorized"] else 403, None),
            200,
        )
        measure(
            "suspend", "SuspendKeyFunction", lambda: self.route("POST", f"/v1/api-keys/{key_id}/suspend"), 200
        )
        measure(
            "activate",
            "ActivateKeyFunction",
            lambda: self.route("POST", f"/v1/api-keys/{key_id}/activate"),
            200,
        )
        rotated = measure(
            "rotate", "RotateKeyFunction", lambda: self.route("POST", f"/v1/api-keys/{key_id}/rotate"), 201
        )
        target = rotated["id"] if isinstance(rotated, dict) and "id" in rotated else key_id
        measure(
            "revoke", "RevokeKeyFunction", lambda: self.route("POST", f"/v1/api-keys/{target}/revoke"), 200
        )
        measure("delete", "DeleteKeyFunction", lambda: self.route("DELETE", f"/v1/api-keys/{target}"), 204)
        return {name: found[name] for name in BUDGET if name in found}


def _http(result: dict[str, Any]) -> tuple[int, Any]:
    return int(result["statusCode"]), json.loads(result.get("body") or "null")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def measure(samples: int = 2000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="keysmith-bench-") as data_dir:
        stack = LocalStack(data_dir=Path(data_dir), in_memory=True, table_name="keysmith-bench")
        with started(stack) as invoker:
            assert stack.dynamodb is not None and stack.dynamodb.pid is not None  # ours, in memory
            pid = stack.dynamodb.pid
            invoker.stack.functions.load_all(warn=lambda _message: None)
            bench = Bench(invoker)
            result = {
                "verify_latency": bench.latency(samples),
                "verify_latency_jwt": bench.latency(samples, "jwt"),
                "limited_verify_latency": bench.limited_latency(samples),
                "limited_requests": bench.limited_requests_per_verification(),
                "ddb_requests": bench.requests(),
            }
    result["dynamodb_local"] = {"pid": pid, "still_running": _running(pid)}
    return result
