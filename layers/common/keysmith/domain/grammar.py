"""The grammars of the API's names, one definition each: identifiers, scopes, key ids, prefixes."""

from __future__ import annotations

import re

# Identifiers end up inside index keys (tenant#type#id): no '#', no spaces, no control characters.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@|+=-]{0,127}")
IDENTIFIER_RULE = "Must be 1-128 characters: letters, digits and . _ : @ | + = - (not first)."

SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
SCOPE_RULE = "Must be a scope name: 1-64 letters, digits and _ . : - (not first)."

# A key id: the RFC 9562 version 8 UUID made from the key's digest (see key_format.key_id).
KEY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# The deploy's key prefix (TOKEN_PREFIX).
PREFIX = re.compile(r"[a-z][a-z0-9_]{0,15}")


def anchored(pattern: re.Pattern[str]) -> str:
    """The pattern as JSON Schema and OpenAPI write it: ``^...$``."""
    return f"^{pattern.pattern}$"
