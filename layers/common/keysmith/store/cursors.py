"""List cursors: a page's LastEvaluatedKey as opaque text, bound to exactly one listing."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from keysmith.domain.ports import BadCursor

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f-]{36}")
MAX_CURSOR_LENGTH = 1024


def encode_cursor(last_key: Mapping[str, Any], binding: str) -> str:
    flat = {name: value["S"] for name, value in last_key.items()}
    flat["b"] = binding
    raw = json.dumps(flat, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str,
    part_name: str,
    partition: str,
    binding: str,
    *,
    sort_name: str = "created_sk",
    id_prefix: str = "",
) -> dict[str, Any]:
    """The ExclusiveStartKey of a cursor, after checking it belongs to exactly this listing (an
    index with sort key ``sort_name``, over items whose ids are ``id_prefix`` and a UUID)."""
    if not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
        raise BadCursor("cursor has the wrong length")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("cursor is not one this service issued") from None
    expected = {"id", sort_name, part_name, "b"}
    if (
        not isinstance(data, dict)
        or set(data) != expected
        or not all(isinstance(v, str) for v in data.values())
    ):
        raise BadCursor("cursor is not one this service issued")
    if data["b"] != binding or data[part_name] != partition:
        raise BadCursor("cursor belongs to another listing")
    item_id = data["id"]
    if not item_id.startswith(id_prefix) or not _UUID.fullmatch(item_id[len(id_prefix) :]):
        raise BadCursor("cursor is not one this service issued")
    if not _STAMP.fullmatch(data[sort_name]):
        raise BadCursor("cursor is not one this service issued")
    return {name: {"S": data[name]} for name in ("id", sort_name, part_name)}
