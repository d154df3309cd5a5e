"""The in-process fixtures of routes/ and rules/: the functions called in-process against a real
table, on moto and on DynamoDB Local (the real engine). Each test gets a fresh table and fresh
collaborators, put in place with ``wiring.replace``; ``api`` is the verb client (tests/support/client.py)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from keysmith import wiring
from keysmith.store.client import client_config
from local.sessions import SessionSigner
from local.template import load_template, table_definition
from tests.helpers import ROOT, build_parts, test_settings
from tests.support.client import Client

TABLE = table_definition(load_template(ROOT / "template.yaml"))


def create_table(client: Any, name: str) -> None:
    client.create_table(TableName=name, **TABLE)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


@pytest.fixture(scope="session")
def signer() -> SessionSigner:
    return SessionSigner.generate()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "KeysmithTests")


@pytest.fixture(params=["moto", "ddblocal"])
def dynamodb(request: pytest.FixtureRequest, aws_env: None) -> Iterator[tuple[Any, str]]:
    """(client, table name) on moto or on DynamoDB Local."""
    name = f"keys-{uuid.uuid4().hex[:12]}"
    if request.param == "moto":
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1", config=client_config())
            create_table(client, name)
            yield client, name
        return
    endpoint = request.getfixturevalue("ddb_local")
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint, config=client_config())
    create_table(client, name)
    try:
        yield client, name
    finally:
        client.delete_table(TableName=name)


@pytest.fixture
def make_api(dynamodb: tuple[Any, str], signer: SessionSigner) -> Iterator[Callable[..., Client]]:
    client, name = dynamodb

    with contextlib.ExitStack() as installed:

        def build(**overrides: Any) -> Client:
            parts = build_parts(test_settings(name, **overrides), client, signer)
            installed.enter_context(
                wiring.replace(
                    settings=parts.settings,
                    store=parts.store,
                    verifier=parts.verifier,
                    sessions=parts.sessions,
                )
            )
            return Client(parts, signer)

        yield build


@pytest.fixture
def api(make_api: Callable[..., Client]) -> Client:
    return make_api()
