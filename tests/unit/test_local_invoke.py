"""make invoke's pieces without sockets: the Lambda context, the event files (one real event per
function: payload 2.0 for its route on the right API, or a DynamoDB stream batch for the function
the table's stream feeds), their placeholders, and finding DynamoDB Local."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from local.ddb import DynamoDBLocalError, find_jar, find_java
from local.invocation import EVENTS_DIR
from local.lambda_runtime import LambdaContext, LocalFunctions
from local.placeholders import (
    DEFAULT_OWNER,
    CreatedKey,
    InvokeError,
    KeyPlan,
    SessionSpec,
    placeholders,
    render,
)
from local.template import load_template
from tests.support.template_apis import INTERNAL, PUBLIC


# ------------------------------------------------------------------------------ Lambda context
def test_the_lambda_context_counts_down_from_the_timeout() -> None:
    context = LambdaContext("GetKeyFunction", timeout_seconds=2)
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:GetKeyFunction"
    assert context.log_group_name == "/aws/lambda/GetKeyFunction"
    assert context.memory_limit_in_mb == "512"
    first = context.get_remaining_time_in_millis()
    assert 1000 < first <= 2000
    time.sleep(0.02)
    assert context.get_remaining_time_in_millis() < first
    assert LambdaContext("F").aws_request_id != LambdaContext("F").aws_request_id


# ------------------------------------------------------------------------------ event files
EVENT_FILES = sorted(p for p in EVENTS_DIR.glob("*.json") if not p.name.startswith("env."))
FUNCTIONS = LocalFunctions(load_template())
STREAM_EVENT_FILES = [p for p in EVENT_FILES if "Records" in json.loads(p.read_text())]
HTTP_EVENT_FILES = [p for p in EVENT_FILES if p not in STREAM_EVENT_FILES]


def dummy_render(text: str) -> str:
    return render(
        text, lambda spec: f"jwt.for.{spec.user_id}", lambda plan, owner: CreatedKey(plan.label, "ks_x")
    )


def test_every_function_has_an_event_file() -> None:
    folders = {Path(spec.code_uri).name for spec in FUNCTIONS.specs.values()}
    assert {path.stem for path in EVENT_FILES} >= folders
    assert {path.name.split(".")[0] for path in EVENT_FILES} == folders  # variants: <folder>.<what>.json


@pytest.mark.parametrize("path", STREAM_EVENT_FILES, ids=lambda p: p.name)
def test_each_stream_event_file_is_a_dynamodb_stream_batch_for_a_function_the_stream_feeds(
    path: Path,
) -> None:
    event = json.loads(path.read_text())
    spec = FUNCTIONS.for_event_file(path)
    sources = [e for e in (spec.properties.get("Events") or {}).values() if e.get("Type") == "DynamoDB"]
    assert sources and not spec.routes, spec.logical_id
    for record in event["Records"]:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventName"] in ("INSERT", "MODIFY", "REMOVE")
        assert record["dynamodb"]["SequenceNumber"]
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


@pytest.mark.parametrize("path", HTTP_EVENT_FILES, ids=lambda p: p.name)
def test_each_event_file_is_a_payload_2_0_event_for_its_functions_route(path: Path) -> None:
    event = json.loads(dummy_render(path.read_text()))
    spec = FUNCTIONS.for_event_file(path)
    http = event["requestContext"]["http"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"]
    assert http["path"] == event["rawPath"]
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    # Only the internal API sends an IAM caller: that is how a function tells the APIs apart.
    api = INTERNAL if "iam" in event["requestContext"].get("authorizer", {}) else PUBLIC
    match = api.match(http["method"], event["rawPath"])
    assert match is not None and match.route.route_key == event["routeKey"]
    assert event.get("pathParameters", {}) == match.path_parameters
    if event.get("type") == "REQUEST":  # the authorizer's event, for a route it guards
        assert match.route.authorizer is not None and match.route.authorizer.function == spec.logical_id
        assert event["identitySource"] == [event["headers"]["authorization"]]
        assert "body" not in event
        return
    assert match.route.function == spec.logical_id
    assert isinstance(event["isBase64Encoded"], bool)
    if "body" in event:
        assert event["headers"]["content-type"] == "application/json"
        assert isinstance(json.loads(event["body"]), dict)
    if match.route.authorizer is not None:
        assert event["requestContext"]["authorizer"]["lambda"]["key_id"]
    if match.route.iam:
        assert event["requestContext"]["authorizer"]["iam"]["accountId"]


def test_the_sam_env_file_sets_only_variables_the_template_declares() -> None:
    # sam local invoke --env-vars silently ignores a variable that template.yaml does not declare.
    env = json.loads((EVENTS_DIR / "env.local.json").read_text())
    assert set(env) == {"Parameters"}
    assert all(isinstance(v, str) for v in env["Parameters"].values())
    declared = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert set(env["Parameters"]) <= set(declared)
    assert env["Parameters"]["DYNAMODB_ENDPOINT_URL"].startswith("http://host.docker.internal:")


# ------------------------------------------------------------------------------ placeholders
def test_placeholders_are_read_in_order_and_keys_are_planned_once_per_label() -> None:
    text = (
        '{"a": "Bearer {{session:u_1:acme:admin,ops}}", "b": "{{key:k1}}", "c": "{{ key:k1:secret }}",'
        ' "d": "{{key:old:id:revoked}}", "e": "{{session:u_2:beta}}", "f": "{{key:old:secret}}"}'
    )
    sessions, keys = placeholders(text)
    assert sessions == [SessionSpec("u_1", "acme", ("admin", "ops")), SessionSpec("u_2", "beta")]
    assert {label: (plan.status, sorted(plan.fields)) for label, plan in keys.items()} == {
        "k1": ("active", ["id", "secret"]),
        "old": ("revoked", ["id", "secret"]),
    }


@pytest.mark.parametrize(
    "text",
    [
        "{{session:u_1}}",
        "{{session::acme}}",
        "{{session:u:t:r:x}}",
        "{{key:}}",
        "{{key:k:plaintext}}",
        "{{key:k:id:deleted}}",
        "{{key:k:id:suspended}} {{key:k:id:revoked}}",
        "{{token:x}}",
    ],
)
def test_bad_placeholders_are_refused_with_the_syntax(text: str) -> None:
    with pytest.raises(InvokeError):
        placeholders(text)


def test_render_mints_sessions_and_makes_keys_as_the_first_session() -> None:
    made: list[tuple[str, str, SessionSpec]] = []

    def make_key(plan: KeyPlan, owner: SessionSpec) -> CreatedKey:
        made.append((plan.label, plan.status, owner))
        return CreatedKey(f"id-{plan.label}", f"ks_{plan.label}")

    text = (
        '{"h": "Bearer {{session:u_1:acme}}", "p": "{{key:a}}", "s": "{{key:a:secret}}",'
        ' "q": "{{key:b::suspended}}"}'
    )
    with pytest.raises(InvokeError):  # an empty field is not "id"
        render(text, lambda spec: "t", make_key)
    text = text.replace("{{key:b::suspended}}", "{{key:b:id:suspended}}")
    rendered = json.loads(render(text, lambda spec: f"jwt.{spec.user_id}", make_key))
    assert rendered == {"h": "Bearer jwt.u_1", "p": "id-a", "s": "ks_a", "q": "id-b"}
    assert made == [
        ("a", "active", SessionSpec("u_1", "acme")),
        ("b", "suspended", SessionSpec("u_1", "acme")),
    ]
    made.clear()
    render('{"k": "{{key:c:secret}}"}', lambda spec: "t", make_key)
    assert made == [("c", "active", DEFAULT_OWNER)]


def test_render_refuses_values_that_would_break_the_json() -> None:
    with pytest.raises(InvokeError, match="unsafe"):
        render('{"h": "{{session:u:t}}"}', lambda spec: 'a"b', lambda plan, owner: CreatedKey("", ""))


# ------------------------------------------------------------------------------ DynamoDB Local discovery
def test_a_missing_jar_or_java_says_to_run_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DynamoDBLocalError, match="make setup"):
        find_jar(tmp_path)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DynamoDBLocalError, match=r"java.*make setup"):
        find_java()


def test_the_newest_dated_jar_is_chosen(tmp_path: Path) -> None:
    for folder in ("dynamodb_local_2025-01-10", "dynamodb_local_2026-05-28", "dynamodb_local_2024-12-31"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "DynamoDBLocal.jar").write_bytes(b"")
    assert find_jar(tmp_path).parent.name == "dynamodb_local_2026-05-28"
