"""Counting DynamoDB requests at the client, for the request-budget tests and ``make bench``."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def counting(client: Any) -> Iterator[list[str]]:
    """The DynamoDB operations ``client`` calls inside the block, in order (``["GetItem", ...]``).

    Counted at botocore's ``before-call`` event: one per API call, whatever the retries.
    """
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    unique = f"count-{uuid.uuid4()}"
    client.meta.events.register("before-call.dynamodb", count, unique_id=unique)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb", unique_id=unique)
