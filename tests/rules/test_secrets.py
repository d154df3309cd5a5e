"""The plaintext of a key exists in the create (or rotate) response and nowhere else: not in a log
line (Powertools' JSON lines on stdout, any logger at DEBUG, EMF metrics), not in a trace, not in a
stored item (the key's or an idempotency record), not in a later GET or list answer.

Traces: every function is traced by Lambda's own active tracing, and no function loads a tracer
(no X-Ray SDK, no OpenTelemetry). Lambda's segment of an invocation holds the function's name,
timings and, when the handler raises, that exception; nothing else of the request or the answer.
So a plaintext could reach a trace only through a tracer in the process (its subsegments,
metadata or annotations) or an exception escaping a handler. The first is refused in a fresh
process with Lambda's variables for active tracing (``test_no_function_loads_a_tracer``); the
second by the flow below, where every handler answers (an escaping exception fails the test).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from keysmith.domain.api_key import SUSPENDED
from keysmith.logger import logger
from tests.helpers import ROOT
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.fresh_process import run_probe
from tests.support.hardening import capture_logs, record_figures, snapshot
from tests.support.verification import admin_key, set_item, verify

FOLDERS = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
TOTALS = {"secrets_checked": 0, "log_lines_scanned": 0, "handlers_probed_for_tracers": 0, "leaks": 0}
TRACERS = ("aws_xray_sdk", "opentelemetry")


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("secrets", **TOTALS)


# The variables Lambda sets for a function, with those it adds when the function's tracing is Active.
LAMBDA_WITH_ACTIVE_TRACING = {
    "POWERTOOLS_SERVICE_NAME": "keysmith",
    "AWS_REGION": "us-east-1",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_NAME": "keysmith-probe",
    "_X_AMZN_TRACE_ID": "Root=1-6920a960-1f3a5c7e9b2d4f6a8c0e1a30;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}


def secret_parts(plaintext: str) -> list[str]:
    """The plaintext and its random body (a JWT key's: its signature): neither may appear anywhere."""
    if plaintext.count(".") == 2:
        signature = plaintext.rsplit(".", 1)[1]
        return [plaintext, signature, signature[:20], signature[-20:]]
    _, _, rest = plaintext.partition("_")
    body = rest[:43]
    return [plaintext, body, body[:20], body[-20:]]


def assert_absent(where: str, texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            if secret in text:
                TOTALS["leaks"] += 1
                raise AssertionError(f"a secret appears in {where}: {text[:200]}...")


def test_no_secret_in_logs_items_or_later_answers(api: Api) -> None:
    logger.setLevel("DEBUG")
    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    plaintexts: list[str] = []
    try:
        with capture_logs() as lines:
            created = api.request("POST", "/v1/api-keys", token=session, json_body={"name": "plain"})
            replayed = None
            for _ in range(2):
                replayed = api.request(
                    "POST",
                    "/v1/api-keys",
                    token=session,
                    json_body={"name": "idem"},
                    headers={"Idempotency-Key": "secret-test"},
                )
                plaintexts += [replayed.body["key"]] if "key" in replayed.body else []
            service = api.create_key(
                admin, "svc", scopes=["read", "write", "keys:read", "keys:write"], service_account_id="sa_1"
            )
            # an API key making a key, and using itself (last-used write, authentication read)
            by_key = api.request(
                "POST", "/v1/api-keys", token=service.body["key"], json_body={"name": "child"}
            )
            api.request("GET", "/v1/api-keys", token=service.body["key"])
            # JWT keys: made, used as the caller, verified, through the authorizer, and rotated
            jwt_service = api.request(
                "POST",
                "/v1/api-keys",
                token=admin,
                json_body={
                    "name": "jwt",
                    "format": "jwt",
                    "scopes": ["read", "keys:read"],
                    "service_account_id": "sa_2",
                },
            )
            api.request("GET", "/v1/api-keys", token=jwt_service.body["key"])
            verify(api, {"key": jwt_service.body["key"]})
            authorize(f"Bearer {jwt_service.body['key']}")
            jwt_rotated = api.request(
                "POST",
                f"/v1/api-keys/{jwt_service.body['id']}/rotate",
                token=admin,
                json_body={"grace_period_seconds": 60},
            )
            assert jwt_rotated.status == 201 and jwt_rotated.body["format"] == "jwt", jwt_rotated.text
            plaintexts.append(jwt_rotated.body["key"])
            if "rotate_key" in FOLDERS:
                rotated = api.request("POST", f"/v1/api-keys/{created.body['id']}/rotate", token=session)
                assert rotated.status == 201, rotated.text
                assert rotated.header("Cache-Control") == "no-store"
                plaintexts.append(rotated.body["key"])
            # a failing create and a replay that mismatches are logged too
            api.request("POST", "/v1/api-keys", token=session, json_body={"name": "x", "bad": 1})
            api.request(
                "POST",
                "/v1/api-keys",
                token=session,
                json_body={"name": "other"},
                headers={"Idempotency-Key": "secret-test"},
            )
    finally:
        logger.setLevel("INFO")
    assert replayed is not None and replayed.status == 200
    for reply in (created, service, by_key, jwt_service):
        assert reply.status == 201, reply.text
        plaintexts.append(reply.body["key"])
    assert len(set(plaintexts)) == len(plaintexts) >= 6
    secrets = [part for p in plaintexts for part in secret_parts(p)]
    TOTALS["secrets_checked"] += len(plaintexts)

    # the capture is real: JSON log lines from Powertools and botocore's DEBUG lines
    assert any(line.startswith("{") and '"service":"keysmith"' in line.replace(" ", "") for line in lines)
    assert any("botocore" in line for line in lines)
    TOTALS["log_lines_scanned"] += len(lines)
    assert_absent("a log line", lines, secrets)

    # every stored item, keys and idempotency records alike (a test may scan)
    items = snapshot(api.parts.store.client, api.parts.store.table)
    assert any(i.startswith("idem#") for i in items)
    assert_absent("a stored item", [json.dumps(item) for item in items.values()], secrets)

    # later answers: get and list, for the owner and the admin, and through the key itself
    later = [api.request("GET", f"/v1/api-keys/{item_id}", token=admin) for item_id in items]
    later += [api.request("GET", "/v1/api-keys", token=t, query={"limit": "100"}) for t in (session, admin)]
    later.append(api.request("GET", "/v1/api-keys", token=service.body["key"]))
    later.append(api.request("GET", "/v1/api-keys", token=jwt_rotated.body["key"]))
    assert any(r.status == 200 for r in later)
    assert_absent("a later answer", [r.text for r in later], secrets)


# A fresh process as Lambda starts it with active tracing on: it imports every function, answers a
# management entry's sample request (events/) without a credential, and lists what it loaded.
LAMBDA_PROBE = r"""
import importlib.util, json, pathlib, sys
answered = 0
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"probe_{folder}", f"functions/{folder}/app.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sample = pathlib.Path(f"events/{folder}.json")
    if hasattr(module.handler, "app") and sample.exists():  # a management entry, and its sample event
        event = json.loads(sample.read_text())
        event["headers"].pop("authorization", None)
        assert module.handler(event, None)["statusCode"] == 401, folder
        answered += 1
print(json.dumps({"answered": answered, "modules": sorted(sys.modules)}))
"""


def test_no_function_loads_a_tracer() -> None:
    """With Lambda's variables for active tracing, no function loads the X-Ray SDK or OpenTelemetry:
    nothing in the process can put a request, an answer or a secret into a trace."""
    report = run_probe(
        LAMBDA_PROBE,
        *sorted(FOLDERS),
        timeout=180,
        **LAMBDA_WITH_ACTIVE_TRACING,
    )
    assert report["answered"] >= 8, report["answered"]  # the probe reached the management entries
    assert "aws_lambda_powertools.event_handler" in report["modules"]  # and saw what they load
    TOTALS["handlers_probed_for_tracers"] += report["answered"]
    tracers = [m for m in report["modules"] if any(m == t or m.startswith(t + ".") for t in TRACERS)]
    assert tracers == []


def test_the_plaintext_is_never_logged(api: Api) -> None:
    created = admin_key(api)
    with capture_logs() as lines:
        verify(api, {"key": created["key"]})
        verify(api, {"key": created["key"], "required_scopes": ["write"]})
        authorize(f"Bearer {created['key']}")
        set_item(api, created["id"], status={"S": SUSPENDED})
        authorize(f"Bearer {created['key']}")
    assert not [line for line in lines if created["key"] in line or created["key"][-20:] in line]


def test_no_secret_or_digest_in_any_audit_event(api: Api) -> None:
    """Audit events record changes, never a secret or a digest: not in an event item, not in an
    answer of GET /v1/audit-events, not in what EventBridge receives (a TTL removal included)."""
    from functions.publish_audit_events.app import publisher
    from keysmith import wiring
    from keysmith.streams.audit_publisher import TTL_IDENTITY
    from tests.support.audit import stored_events

    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    created = api.created_key(session, "audited", scopes=["read"])
    rotated = api.rotate_key(session, created["id"], {"grace_period_seconds": 60})
    assert rotated.status == 201, rotated.text
    successor = rotated.body
    for action in ("suspend", "revoke"):
        assert api.act(session, successor["id"], action).status == 200
    assert api.update_key(session, created["id"], {"name": "renamed"}).status == 200
    assert api.delete_key(session, successor["id"]).status == 204
    plaintexts = [created["key"], successor["key"]]
    client, table = api.parts.store.client, api.parts.store.table
    old = api.stored(created["id"])
    digest = old["key_hash"]["S"]  # the stored SHA-256 (the id, public, is its first half as a UUID)
    secrets = [part for p in plaintexts for part in secret_parts(p)] + [digest, digest[32:]]
    TOTALS["secrets_checked"] += len(plaintexts)

    class Bus:
        def __init__(self) -> None:
            self.details: list[str] = []

        def put(self, entries: list[dict[str, Any]]) -> list[bool]:
            self.details += [json.dumps(entry, default=str) for entry in entries]
            return [True] * len(entries)

    bus = Bus()
    with wiring.replace(event_bus=bus):
        ttl = {
            "eventName": "REMOVE",
            "userIdentity": dict(TTL_IDENTITY),
            "dynamodb": {"OldImage": old, "SequenceNumber": "1"},
        }
        assert publisher().handle({"Records": [ttl]}) == {"batchItemFailures": []}
        items = [i for i in snapshot(client, table).values() if "audit_event" in i]
        inserts = [
            {"eventName": "INSERT", "dynamodb": {"NewImage": i, "SequenceNumber": str(n)}}
            for n, i in enumerate(items)
        ]
        assert publisher().handle({"Records": inserts}) == {"batchItemFailures": []}
    actions = sorted(e["action"] for e in stored_events(client, table))
    assert actions == sorted(
        ["create", "rotate", "create", "suspend", "revoke", "update", "delete", "expire"]
    )
    assert len(bus.details) == len(items) == 8
    answers = [
        api.request("GET", "/v1/audit-events", token=t, query={"limit": "100"}) for t in (session, admin)
    ]
    assert all(a.status == 200 and len(a.body["items"]) == 8 for a in answers)
    assert_absent("an audit event item", [json.dumps(item) for item in items], secrets)
    assert_absent("an audit-events answer", [a.text for a in answers], secrets)
    assert_absent("an EventBridge entry", bus.details, secrets)
    assert all("key_hash" not in text for text in [*bus.details, *(a.text for a in answers)])
