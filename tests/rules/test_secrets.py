"""The plaintext of a key exists in the create (or rotate) response and nowhere else: not in a log
line (Powertools' JSON lines on stdout, any logger at DEBUG, EMF metrics), not in a trace segment,
not in a stored item (the key's or an idempotency record), not in a later GET or list answer.

Traces are really captured: the X-Ray SDK is switched on with an in-memory emitter and botocore
patched as Tracer's auto-patch does in Lambda, inside a segment like Lambda's facade segment; every
entity the SDK would send to the daemon is serialized and searched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aws_xray_sdk
import botocore.client
import botocore.endpoint
import pytest
from aws_xray_sdk.core import patcher, xray_recorder
from aws_xray_sdk.core.context import Context

from keysmith.domain.api_key import SUSPENDED
from keysmith.logger import logger
from tests.helpers import ROOT, handler_of
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.hardening import capture_logs, record_figures, snapshot
from tests.support.verification import admin_key, set_item, verify

FOLDERS = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
TOTALS = {"secrets_checked": 0, "log_lines_scanned": 0, "trace_entities_scanned": 0, "leaks": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("secrets", **TOTALS)


class MemoryEmitter:
    """Takes what the X-Ray SDK would send to the daemon over UDP."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(entity.serialize())

    def set_daemon_address(self, address: str | None) -> None:
        pass

    @property
    def ip(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return 2000


@pytest.fixture
def traces() -> Iterator[MemoryEmitter]:
    emitter = MemoryEmitter()
    for folder in FOLDERS:  # import first: Tracer() switches the SDK off outside Lambda when made
        handler_of(folder)
    saved_call = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]
    saved_prepare = botocore.endpoint.Endpoint.prepare_request
    saved_emitter, saved_context = xray_recorder._emitter, xray_recorder.context
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
    xray_recorder.configure(
        emitter=emitter, sampling=False, context_missing="IGNORE_ERROR", context=Context()
    )
    xray_recorder.streaming_threshold = 0  # as Powertools sets it in Lambda: every subsegment is sent
    patcher.patch(["botocore"])  # what Tracer's auto_patch does in Lambda
    try:
        yield emitter
    finally:
        botocore.client.BaseClient._make_api_call = saved_call  # type: ignore[attr-defined]
        botocore.endpoint.Endpoint.prepare_request = saved_prepare  # type: ignore[method-assign]
        if hasattr(botocore.client, "_xray_enabled"):
            delattr(botocore.client, "_xray_enabled")
        patcher._PATCHED_MODULES.discard("botocore")
        xray_recorder._emitter = saved_emitter
        xray_recorder.context = saved_context
        aws_xray_sdk.global_sdk_config.set_sdk_enabled(False)


def traced(api: Api, emitter: MemoryEmitter, *args: Any, **kwargs: Any) -> Any:
    """One request inside a segment, as Lambda's active tracing wraps an invocation."""
    # Tracer() switches the SDK off when a handler module is first imported outside Lambda
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
    xray_recorder.begin_segment("keysmith-test")
    try:
        return api.request(*args, **kwargs)
    finally:
        xray_recorder.end_segment()
        aws_xray_sdk.global_sdk_config.set_sdk_enabled(False)  # as outside Lambda: no segment, no SDK


def secret_parts(plaintext: str) -> list[str]:
    """The plaintext and its random body: neither may appear anywhere."""
    _, _, rest = plaintext.partition("_")
    body = rest[:43]
    return [plaintext, body, body[:20], body[-20:]]


def assert_absent(where: str, texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            if secret in text:
                TOTALS["leaks"] += 1
                raise AssertionError(f"a secret appears in {where}: {text[:200]}...")


def test_no_secret_in_logs_traces_items_or_later_answers(api: Api, traces: MemoryEmitter) -> None:
    logger.setLevel("DEBUG")
    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    plaintexts: list[str] = []
    try:
        with capture_logs() as lines:
            created = traced(api, traces, "POST", "/v1/api-keys", token=session, json_body={"name": "plain"})
            replayed = None
            for _ in range(2):
                replayed = traced(
                    api,
                    traces,
                    "POST",
                    "/v1/api-keys",
                    token=session,
                    json_body={"name": "idem"},
                    headers={"Idempotency-Key": "secret-test"},
                )
                plaintexts += [replayed.body["key"]] if "key" in replayed.body else []
            service = traced(
                api,
                traces,
                "POST",
                "/v1/api-keys",
                token=admin,
                json_body={"name": "svc", "scopes": ["read", "write"], "service_account_id": "sa_1"},
            )
            # an API key making a key, and using itself (last-used write, authentication read)
            by_key = traced(
                api, traces, "POST", "/v1/api-keys", token=service.body["key"], json_body={"name": "child"}
            )
            traced(api, traces, "GET", "/v1/api-keys", token=service.body["key"])
            if "rotate_key" in FOLDERS:
                rotated = traced(
                    api, traces, "POST", f"/v1/api-keys/{created.body['id']}/rotate", token=session
                )
                assert rotated.status == 201, rotated.text
                assert rotated.header("Cache-Control") == "no-store"
                plaintexts.append(rotated.body["key"])
            # a failing create and a replay that mismatches are logged too
            traced(api, traces, "POST", "/v1/api-keys", token=session, json_body={"name": "x", "bad": 1})
            traced(
                api,
                traces,
                "POST",
                "/v1/api-keys",
                token=session,
                json_body={"name": "other"},
                headers={"Idempotency-Key": "secret-test"},
            )
    finally:
        logger.setLevel("INFO")
    assert replayed is not None and replayed.status == 200
    for reply in (created, service, by_key):
        assert reply.status == 201, reply.text
        plaintexts.append(reply.body["key"])
    assert len(set(plaintexts)) == len(plaintexts) >= 4
    secrets = [part for p in plaintexts for part in secret_parts(p)]
    TOTALS["secrets_checked"] += len(plaintexts)

    # the capture is real: JSON log lines from Powertools and botocore's DEBUG lines, and trace
    # entities with the handler subsegment and the DynamoDB calls
    assert any(line.startswith("{") and '"service":"keysmith"' in line.replace(" ", "") for line in lines)
    assert any("botocore" in line for line in lines)
    assert any('"## entry"' in t for t in traces.sent), traces.sent[:3]
    assert any('"dynamodb"' in t and "PutItem" in t for t in traces.sent), traces.sent[:3]
    TOTALS["log_lines_scanned"] += len(lines)
    TOTALS["trace_entities_scanned"] += len(traces.sent)
    assert_absent("a log line", lines, secrets)
    assert_absent("a trace entity", traces.sent, secrets)

    # every stored item, keys and idempotency records alike (a test may scan)
    items = snapshot(api.parts.store.client, api.parts.store.table)
    assert any(i.startswith("idem#") for i in items)
    assert_absent("a stored item", [json.dumps(item) for item in items.values()], secrets)

    # later answers: get and list, for the owner and the admin, and through the key itself
    later = [api.request("GET", f"/v1/api-keys/{item_id}", token=admin) for item_id in items]
    later += [api.request("GET", "/v1/api-keys", token=t, query={"limit": "100"}) for t in (session, admin)]
    later.append(api.request("GET", "/v1/api-keys", token=service.body["key"]))
    assert any(r.status == 200 for r in later)
    assert_absent("a later answer", [r.text for r in later], secrets)


def test_the_management_handlers_never_put_responses_or_errors_in_traces() -> None:
    """Tracer's capture_response/capture_error are off in the one Lambda entry point."""
    source = (ROOT / "layers" / "common" / "keysmith" / "http" / "resolver_entry.py").read_text()
    assert "capture_lambda_handler(capture_response=False, capture_error=False)" in source
    for folder in sorted(FOLDERS):
        text = (ROOT / "functions" / folder / "app.py").read_text()
        assert "capture_response=True" not in text and "capture_method(" not in text, folder


def test_the_plaintext_is_never_logged(api: Api) -> None:
    created = admin_key(api)
    with capture_logs() as lines:
        verify(api, {"key": created["key"]})
        verify(api, {"key": created["key"], "required_scopes": ["write"]})
        authorize(f"Bearer {created['key']}")
        set_item(api, created["id"], status={"S": SUSPENDED})
        authorize(f"Bearer {created['key']}")
    assert not [line for line in lines if created["key"] in line or created["key"][-20:] in line]
