"""The functions in-process against a fresh table (moto and DynamoDB Local): tests/support/inprocess.py."""

from typing import Any

import pytest

from tests.support.client import Client
from tests.support.inprocess import api, aws_env, dynamodb, make_api, signer

__all__ = ["api", "aws_env", "dynamodb", "make_api", "signer"]


@pytest.fixture
def alice(api: Client) -> str:
    """A session of the user alice in the tenant acme."""
    return api.session("alice", "acme")


@pytest.fixture
def key(api: Client, alice: str) -> dict[str, Any]:
    """A key of alice's named "target" (as created: its plaintext under ``key``)."""
    return api.created_key(alice, "target")
