"""The DynamoDB client and its guard: every call goes through ``guard`` so that throttling, server
errors, time-outs and dropped connections become ``StoreUnavailable`` (answered 503 with
Retry-After) and no botocore type leaks out of the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from keysmith.domain.ports import StoreUnavailable

UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "LimitExceededException",
        # TransactWriteItems cancellation reason codes (CancellationReasons[].Code) for the same faults
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "TransactionConflict",
    }
)


def client_config() -> Config:
    # Short time-outs and few retries: a Lambda should answer 503 quickly rather than hang.
    return Config(
        connect_timeout=2,
        read_timeout=3,
        retries={"max_attempts": 3, "mode": "standard"},
        tcp_keepalive=True,
    )


@cache
def default_client(endpoint_url: str | None = None) -> Any:
    # botocore directly, not boto3: boto3's import also loads s3transfer, which costs a cold start
    # tens of milliseconds for nothing a DynamoDB client uses (measured by `make bench`).
    session = botocore.session.get_session()
    return session.create_client("dynamodb", endpoint_url=endpoint_url, config=client_config())


@contextmanager
def guard() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in UNAVAILABLE_CODES:
            raise StoreUnavailable(code) from error
        raise
    except BotoCoreError as error:  # time-outs, dropped connections, endpoint errors
        raise StoreUnavailable(type(error).__name__) from error


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
