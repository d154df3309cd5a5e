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


# Characters never allowed in names, ids and metadata, and removed from recorded user agents:
# C0 and C1 controls, the invisible format characters of the Basic Multilingual Plane (soft hyphen,
# bidi marks and overrides, zero-width characters, byte order mark, interlinear annotations), line
# and paragraph separators, surrogates and private use. One character class, so the OpenAPI
# document's patterns and the server's checks are the same rule.
FORBIDDEN_CHARACTERS = (
    "\\x00-\\x1f\\x7f-\\x9f\\xad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e"
    "\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb"
    "\\ue000-\\uf8ff"
)
# Lone surrogates are refused too; the document's patterns leave them out, as not every regular
# expression engine can write them (JSON text carries them only as escapes).
_FORBIDDEN = re.compile(f"[{FORBIDDEN_CHARACTERS}\\ud800-\\udfff]")
# What str.strip() removes (Unicode white space), written out for the document's patterns.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)

# A key's name: 1-100 characters after trimming white space, none of them forbidden.
NAME_PATTERN = (
    f"^[{WHITESPACE}]*"
    f"(?:[^{WHITESPACE}{FORBIDDEN_CHARACTERS}]|[^{WHITESPACE}{FORBIDDEN_CHARACTERS}][^{FORBIDDEN_CHARACTERS}]{{0,98}}"
    f"[^{WHITESPACE}{FORBIDDEN_CHARACTERS}])"
    f"[{WHITESPACE}]*$"
)
NAME_RULE = "must be 1-100 characters after trimming, without control or formatting characters"
# Free text (metadata keys and values): no forbidden character; descriptions also allow \n and \t.
TEXT_PATTERN = f"^[^{FORBIDDEN_CHARACTERS}]*$"
MULTILINE_TEXT_PATTERN = "^[^" + FORBIDDEN_CHARACTERS.replace("\\x00-\\x1f", "\\x00-\\x08\\x0b-\\x1f") + "]*$"


def is_forbidden_character(char: str) -> bool:
    return _FORBIDDEN.match(char) is not None


def without_forbidden_characters(value: str) -> str:
    """``value`` with every forbidden character removed (for text we record but do not refuse,
    such as a caller's user agent)."""
    return _FORBIDDEN.sub("", value)
