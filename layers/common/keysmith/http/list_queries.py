"""Query parameters shared by the listing routes (keys and audit events)."""

from __future__ import annotations

import re

from keysmith.domain.grammar import anchored
from keysmith.http.resolver_entry import Query

CURSOR = re.compile(r"[A-Za-z0-9_-]+")  # the text of a cursor: URL-safe base64 without padding
CURSOR_QUERY = Query(
    min_length=1,
    max_length=1024,
    pattern=anchored(CURSOR),
    description="The next_cursor of the previous page, as given (opaque; bound to these filters).",
)
