"""What happens between two steps of a request, arranged inside a block: a DynamoDB answer lost
after the write landed (botocore retries), or another writer acting between a read and the write
that depends on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from keysmith.domain.api_key import KeyRecord


@contextmanager
def answers_lost(client: Any, operation: str) -> Iterator[None]:
    """Inside the block, each ``operation`` of the DynamoDB ``client`` (a method name such as
    "put_item") is applied and its answer lost, so the retry meets the state the first attempt made."""
    original = getattr(client, operation)

    def applied_then_retried(**kwargs: object) -> object:
        original(**kwargs)  # the first attempt lands, its answer is lost...
        return original(**kwargs)  # ...and the retry meets what it made

    setattr(client, operation, applied_then_retried)
    try:
        yield
    finally:
        delattr(client, operation)


@contextmanager
def between_read_and_write(store: Any, meanwhile: Callable[[str], object]) -> Iterator[None]:
    """Inside the block, each ``get`` of the key ``store`` runs ``meanwhile(key_id)`` after reading
    and before answering: another writer acting between the read and the write that follows it."""
    real_get = store.get

    def get_then_meanwhile(key_id: str) -> KeyRecord | None:
        record: KeyRecord | None = real_get(key_id)
        meanwhile(key_id)
        return record

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "get", get_then_meanwhile)
        yield
