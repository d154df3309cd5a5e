"""JWT-format keys in the bench, beside the opaque figures (which this module leaves unchanged):

- ``warm``: CPU per warm authorizer call with a JWT key, DynamoDB answered in-process (bench.canned),
  against the same floor as the opaque figure (one raw get_item on the same answer plus one SHA-256);
- ``first``: the cold cost of the first JWT verification in a process: fresh processes that load the
  authorizer, verify an opaque key (so everything the opaque path needs is loaded and warm), then
  time their first JWT-key call against their next ones. The difference is loading the cryptography
  library and the signing key's public half; in Lambda the one ``kms:GetPublicKey`` call (a few
  milliseconds in-region) comes on top.

The key file, the JWT and its stored item are made by ``prepare`` in a process of their own, so the
measured processes have never loaded cryptography before their first JWT key.

    python -m bench.jwt_keys prepare DIR | warm DIR --iterations N --rounds R | first DIR
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.canned import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, CannedDynamoDB, whoami_authorizer_event

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLE = "keysmith-bench"


def _layer() -> None:
    sys.path.insert(0, str(REPO_ROOT / "layers" / "common"))  # Lambda's /opt/python


def _settings(folder: Path) -> Any:
    from keysmith.settings import Settings

    return Settings(table_name=TABLE, signing_key=f"file:{folder / 'signing-key.pem'}")


def _record(settings: Any, key_format: str) -> tuple[Any, str]:
    from keysmith.domain.create import mint
    from keysmith.domain.principals import SESSION, Principal
    from keysmith.signing.keyring import Keyring

    creator = Principal(kind=SESSION, tenant_id="acme", owner_type="user", owner_id="u_1")
    keyring = Keyring(settings.signing_key)
    record, key = mint(
        settings,
        creator,
        time.time(),
        tenant_id="acme",
        owner_type="service_account",
        owner_id="sa_billing",
        name="bench",
        description=None,
        scopes=("read", "write"),
        environment_id="env_prod",
        metadata={"team": "billing", "tier": "gold"},
        expires_at=None,
        key_format_name=key_format,
        signer=keyring.signer,
    )
    return record, key


def prepare(folder: Path) -> dict[str, Any]:
    """The signing key file, a JWT key and an opaque key with their stored items, under ``folder``."""
    _layer()
    from keysmith.store.items import to_item

    settings = _settings(folder)
    made = {}
    for key_format in ("jwt", "opaque"):
        record, key = _record(settings, key_format)
        made[key_format] = {"key": key, "item": to_item(record)}
    (folder / "keys.json").write_text(json.dumps(made))
    return {"prepared": str(folder)}


def _authorizer(folder: Path) -> tuple[Any, dict[str, Any], Any]:
    """The authorizer handler with each key's canned store: (handler, keys, install(format))."""
    import importlib.util

    _layer()
    spec = importlib.util.spec_from_file_location(
        "bench_authorizer", REPO_ROOT / "functions/authorizer/app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    import botocore.session

    from keysmith import wiring
    from keysmith.store.client import client_config
    from keysmith.store.keys import KeyStore

    made = json.loads((folder / "keys.json").read_text())
    settings = _settings(folder)
    wiring.install(settings=settings)
    verifiers = {}
    for key_format, entry in made.items():
        client = CannedDynamoDB({"GetItem": {"Item": entry["item"]}, "UpdateItem": {}}).attach(
            botocore.session.get_session().create_client(
                "dynamodb",
                region_name=REGION,
                config=client_config(),
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key=SECRET_ACCESS_KEY,
            )
        )
        verifiers[key_format] = wiring.build_verifier(settings, KeyStore(client, TABLE))

    def install(key_format: str) -> None:
        wiring.install(verifier=verifiers[key_format])

    return module.handler, {f: e["key"] for f, e in made.items()}, install


def _call(handler: Any, event: dict[str, Any]) -> None:
    if not handler(event, None)["isAuthorized"]:
        raise AssertionError("the bench key was refused")


def warm(folder: Path, iterations: int, rounds: int) -> dict[str, Any]:
    import hashlib

    handler, keys, install = _authorizer(folder)
    events = {f: whoami_authorizer_event(k) for f, k in keys.items()}
    floor_client = CannedDynamoDB({"GetItem": {"Item": {"id": {"S": "x"}}}}).attach(
        __import__("botocore.session")
        .session.get_session()
        .create_client(
            "dynamodb",
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
    )
    request = {"TableName": TABLE, "Key": {"id": {"S": "x"}}, "ConsistentRead": True}
    token = keys["jwt"].encode()

    def floor() -> None:
        floor_client.get_item(**request)
        hashlib.sha256(token).digest()

    def per_call_us(call: Any) -> float:
        started = time.process_time_ns()
        for _ in range(iterations):
            call()
        return (time.process_time_ns() - started) / iterations / 1000

    for key_format in ("opaque", "jwt"):  # first use of each: last-used write, the public key loaded
        install(key_format)
        _call(handler, events[key_format])
    samples: dict[str, list[float]] = {"floor": [], "opaque": [], "jwt": []}
    for _ in range(rounds):
        samples["floor"].append(per_call_us(floor))
        for key_format in ("opaque", "jwt"):
            install(key_format)
            samples[key_format].append(per_call_us(lambda f=key_format: _call(handler, events[f])))
    floor_us, opaque_us, jwt_us = (statistics.median(samples[name]) for name in ("floor", "opaque", "jwt"))
    return {
        "iterations": iterations,
        "rounds": rounds,
        "floor_us": round(floor_us, 1),
        "opaque_us": round(opaque_us, 1),
        "jwt_us": round(jwt_us, 1),
        "jwt_ratio": round(jwt_us / floor_us, 3),
        "jwt_extra_us": round(jwt_us - opaque_us, 1),
    }


def first(folder: Path) -> dict[str, Any]:
    handler, keys, install = _authorizer(folder)
    install("opaque")
    _call(handler, whoami_authorizer_event(keys["opaque"]))
    _call(handler, whoami_authorizer_event(keys["opaque"]))
    loaded_before = "cryptography" in sys.modules
    install("jwt")
    event = whoami_authorizer_event(keys["jwt"])
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        _call(handler, event)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "cryptography_loaded_before": loaded_before,
        "first_ms": round(timings[0], 3),
        "warm_ms": round(statistics.median(timings[1:]), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["prepare", "warm", "first"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    if args.mode == "prepare":
        result = prepare(args.folder)
    elif args.mode == "warm":
        result = warm(args.folder, args.iterations, args.rounds)
    else:
        result = first(args.folder)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
