"""Audit events as the tests see them: every audit item stored (read by scanning the table, which
tests may do and the service never does), and a DynamoDB answer lost after the write landed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from keysmith.store.audit_events import document_of, is_event_item
from tests.support.hardening import snapshot


def stored_events(client: Any, table: str, key_id: str | None = None) -> list[dict[str, Any]]:
    """Every audit event in the table (of ``key_id`` only, when given), oldest first."""
    items = [item for item in snapshot(client, table).values() if is_event_item(item)]
    items.sort(key=lambda item: item["audit_sk"]["S"])
    documents = [document_of(item) for item in items]
    return [d for d in documents if key_id is None or d["key_id"] == key_id]


def events_by_key(client: Any, table: str) -> dict[str, list[str]]:
    """key id -> the actions of its stored events, oldest first."""
    found: dict[str, list[str]] = {}
    for document in stored_events(client, table):
        found.setdefault(document["key_id"], []).append(document["action"])
    return found


@contextlib.contextmanager
def lost_answer(client: Any, operation: str) -> Iterator[list[int]]:
    """The first ``operation`` call lands but its answer is lost: botocore's retry logic is told to
    send the very same request again (same parameters, same ClientRequestToken), as it does after a
    time-out. Yields a list that counts the forced retries."""
    forced: list[int] = []

    def retry_once(attempts: int, response: Any = None, **_: Any) -> int | None:
        if attempts == 1 and not forced and response is not None and response[0].status_code == 200:
            forced.append(1)
            return 0  # retry now: the answer of a write that landed is treated as lost
        return None

    event = f"needs-retry.dynamodb.{operation}"
    client.meta.events.register_first(event, retry_once)
    try:
        yield forced
    finally:
        client.meta.events.unregister(event, retry_once)
