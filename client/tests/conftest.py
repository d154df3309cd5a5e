"""Fixtures: the in-test Keysmith, a recorded sleep, and an environment with nothing of the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_keysmith import FakeKeysmith, RecordedSleep
from local_server import local_server

USER_SETTINGS = (
    "KEYSMITH_URL",
    "KEYSMITH_INTERNAL_URL",
    "KEYSMITH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No saved session, AWS profile or token of the machine's user leaks into a test."""
    for name in USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    monkeypatch.setenv("KEYSMITH_CONFIG_DIR", str(config))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config


@pytest.fixture
def fake() -> Iterator[FakeKeysmith]:
    server = FakeKeysmith()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sleeps() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the repository's real local server (started once, for the e2e tests only)."""
    with local_server(tmp_path_factory.mktemp("local-server")) as url:
        yield url
