"""Warm verification, CPU time per call, with DynamoDB answered in-process (bench.canned): the
authorizer handler (and the verify handler) against the floor of one raw get_item on the same
answer plus one SHA-256. Run as its own process (``python -m bench.warm``), which is also "the
verification process" whose peak memory (max RSS) is reported; ``--floor`` runs the floor alone
(boto3, no keysmith) for its max RSS.

Blocks of calls alternate (floor, authorizer, verify, floor, ...) so that both see the same
machine; the figure is the median of the blocks' CPU time per call.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.canned import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, CannedDynamoDB, whoami_authorizer_event

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLE = "keysmith-bench"


def _max_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _load(folder: str) -> Any:
    spec = importlib.util.spec_from_file_location(
        f"bench_{folder}", REPO_ROOT / "functions" / folder / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _per_call_us(call: Any, iterations: int) -> float:
    started = time.process_time_ns()
    for _ in range(iterations):
        call()
    return (time.process_time_ns() - started) / iterations / 1000


def floor_only(iterations: int) -> dict[str, Any]:
    import boto3

    item = {"id": {"S": "00000000-0000-8000-8000-000000000000"}, "key_hash": {"S": "0" * 64}}
    client = CannedDynamoDB({"GetItem": {"Item": item}}).attach(
        boto3.client(
            "dynamodb",
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
    )
    for _ in range(iterations):
        client.get_item(TableName=TABLE, Key={"id": {"S": "x"}}, ConsistentRead=True)
        hashlib.sha256(b"ks_x").digest()
    return {"floor_max_rss_mb": _max_rss_mb()}


def measure(iterations: int, rounds: int) -> dict[str, Any]:
    os.environ.setdefault("TABLE_NAME", TABLE)
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    sys.path.insert(0, str(REPO_ROOT / "layers" / "common"))  # Lambda's /opt/python
    authorizer, verify = _load("authorizer"), _load("verify")

    import botocore.session

    from keysmith import wiring
    from keysmith.domain import key_format as tokens
    from keysmith.domain.api_key import ACTIVE, KeyRecord
    from keysmith.settings import get_settings
    from keysmith.store.client import client_config
    from keysmith.store.items import to_item
    from keysmith.store.keys import KeyStore

    settings = get_settings()
    plaintext = tokens.generate(settings.token_prefix)
    digest = tokens.digest(plaintext)
    now = time.time()
    record = KeyRecord(
        id=tokens.key_id(digest),
        key_hash=digest.hex(),
        tenant_id="acme",
        owner_type="service_account",
        owner_id="sa_billing",
        name="bench",
        prefix=tokens.display_prefix(plaintext, settings.token_prefix),
        last_four=tokens.last_four(plaintext),
        scopes=("read", "write"),
        status=ACTIVE,
        created_at=now,
        created_by_type="user",
        created_by_id="u_1",
        updated_at=now,
        environment_id="env_prod",
        metadata={"team": "billing", "tier": "gold"},
        created_sk=f"2026-11-22T10:00:00.000000Z#{tokens.key_id(digest)}",
    )
    canned = CannedDynamoDB({"GetItem": {"Item": to_item(record)}, "UpdateItem": {}})
    session = botocore.session.get_session()
    client = canned.attach(
        session.create_client(
            "dynamodb",
            region_name=REGION,
            config=client_config(),
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
    )
    wiring.install(store=KeyStore(client, settings.table_name))

    key_bytes = plaintext.encode()
    request = {"TableName": TABLE, "Key": {"id": {"S": record.id}}, "ConsistentRead": True}

    def floor() -> None:
        client.get_item(**request)
        hashlib.sha256(key_bytes).digest()

    authorizer_event = whoami_authorizer_event(plaintext)
    body = json.dumps({"key": plaintext, "required_scopes": ["read"], "environment_id": "env_prod"})
    verify_event = {
        "version": "2.0",
        "routeKey": "POST /v1/verify",
        "rawPath": "/v1/verify",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "bench/1.0"},
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/v1/verify",
                "sourceIp": "203.0.113.7",
                "userAgent": "bench/1.0",
            },
            "requestId": "bench-request",
            "routeKey": "POST /v1/verify",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }

    def authorize() -> None:
        if not authorizer.handler(authorizer_event, None)["isAuthorized"]:
            raise AssertionError("the bench key was refused")

    def verify_call() -> None:
        verify_event["body"] = body
        if verify.handler(verify_event, None)["statusCode"] != 200:
            raise AssertionError("verify did not answer 200")

    authorize()  # first use: the one last-used write of the window
    verify_call()
    for warm in (floor, authorize, verify_call):
        _per_call_us(warm, max(50, iterations // 10))
    writes_before = canned.calls.get("UpdateItem", 0)
    samples: dict[str, list[float]] = {"floor": [], "authorizer": [], "verify": []}
    for _ in range(rounds):
        samples["floor"].append(_per_call_us(floor, iterations))
        samples["authorizer"].append(_per_call_us(authorize, iterations))
        samples["verify"].append(_per_call_us(verify_call, iterations))
    floor_us = statistics.median(samples["floor"])
    authorizer_us = statistics.median(samples["authorizer"])
    verify_us = statistics.median(samples["verify"])
    return {
        "iterations": iterations,
        "rounds": rounds,
        "floor_us": round(floor_us, 1),
        "authorizer_us": round(authorizer_us, 1),
        "ratio": round(authorizer_us / floor_us, 3),
        "verify_handler_us": round(verify_us, 1),
        "verify_handler_ratio": round(verify_us / floor_us, 3),
        "last_used_writes_while_warm": canned.calls.get("UpdateItem", 0) - writes_before,
        "samples_us": {name: [round(s, 1) for s in values] for name, values in samples.items()},
        "verification_max_rss_mb": _max_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--floor", action="store_true", help="the floor process alone (for its max RSS)")
    args = parser.parse_args(argv)
    result = floor_only(args.iterations) if args.floor else measure(args.iterations, args.rounds)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
