"""The field rules a key's create and its update share: each row is the fields of a body and the
pointer its 422 must name. A create sends them beside a valid name; an update sends them alone."""

from __future__ import annotations

import time
from typing import Any

from keysmith import clock

PAST = clock.rfc3339(time.time() - 60)

FIELD_RULES: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "/name"),
    ({"name": "   "}, "/name"),
    ({"name": "x" * 101}, "/name"),
    ({"name": 42}, "/name"),
    ({"name": "bell\u0007"}, "/name"),
    ({"name": "bidi\u202etxt"}, "/name"),
    ({"description": "d" * 501}, "/description"),
    ({"scopes": ["read", "read"]}, "/scopes"),
    ({"scopes": ["read", "admin"]}, "/scopes/1"),
    ({"scopes": "read"}, "/scopes"),
    ({"scopes": [1]}, "/scopes/0"),
    ({"expires_at": PAST}, "/expires_at"),
    ({"expires_at": "2026-02-30T10:00:00Z"}, "/expires_at"),
    ({"expires_at": "next week"}, "/expires_at"),
    ({"expires_at": 1795341600}, "/expires_at"),
    ({"metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
    ({"metadata": {"k" * 41: "v"}}, "/metadata"),
    ({"metadata": {"k": "v" * 257}}, "/metadata"),
    ({"metadata": {"k": 1}}, "/metadata/k"),
    ({"metadata": ["k"]}, "/metadata"),
]
