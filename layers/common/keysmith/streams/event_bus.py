"""EventBridge, behind a small port: put a batch of entries on the default bus and learn which
failed. ``EventBus`` is what the publisher needs; ``EventBridgeBus`` is it on botocore; tests hand
the publisher a fake or moto's EventBridge."""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# PutEvents takes at most 10 entries per call.
MAX_ENTRIES_PER_CALL = 10


class EventBus(Protocol):
    def put(self, entries: list[dict[str, Any]]) -> list[bool]:
        """Put ``entries`` (at most ``MAX_ENTRIES_PER_CALL``); for each, whether it was accepted."""
        ...


class EventBridgeBus:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put(self, entries: list[dict[str, Any]]) -> list[bool]:
        try:
            answer = self.client.put_events(Entries=entries)
        except (ClientError, BotoCoreError):
            return [False] * len(entries)  # throttled or unreachable: the stream retries them all
        results = answer.get("Entries") or []
        return [i < len(results) and not results[i].get("ErrorCode") for i in range(len(entries))]


@cache
def default_bus() -> EventBridgeBus:
    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})
    client = botocore.session.get_session().create_client("events", config=config)
    return EventBridgeBus(client)
