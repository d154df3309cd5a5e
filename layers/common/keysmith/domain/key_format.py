"""The key format: ``<prefix>_<body><checksum>``, as the API reference defines it.

- body: 32 bytes from the OS CSPRNG in base62 (``0-9A-Za-z``), left-padded with ``0`` to 43 characters;
- checksum: CRC32 of the ASCII text ``<prefix>_<body>`` in base62, left-padded to 6 characters;
- only SHA-256 of the whole key is stored; the key id is the first 16 bytes of that digest as an
  RFC 9562 UUID version 8, so verification is one primary-key read.

Pure functions, standard library only: this module is on the verification hot path.
"""

from __future__ import annotations

import hashlib
import secrets
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
BODY_LENGTH = 43
CHECKSUM_LENGTH = 6
SECRET_LENGTH = BODY_LENGTH + CHECKSUM_LENGTH
_BASE62 = frozenset(ALPHABET)


def base62(number: int, width: int) -> str:
    """``number`` in base62, left-padded with ``0`` to ``width`` characters."""
    if number < 0:
        raise ValueError("base62 takes a non-negative number")
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    text = "".join(reversed(digits))
    if len(text) > width:
        raise ValueError("number does not fit the width")
    return text.rjust(width, "0")


def checksum(prefix: str, body: str) -> str:
    return base62(zlib.crc32(f"{prefix}_{body}".encode("ascii")), CHECKSUM_LENGTH)


def generate(prefix: str) -> str:
    """A new key: 256 bits from the OS CSPRNG, with its checksum."""
    body = base62(int.from_bytes(secrets.token_bytes(32), "big"), BODY_LENGTH)
    return f"{prefix}_{body}{checksum(prefix, body)}"


def is_well_formed(key: str, prefix: str) -> bool:
    """True when ``key`` has this deploy's prefix, the right length and alphabet, and its checksum.

    No I/O: a typo or a foreign string fails here, before any database call.
    """
    if len(key) != len(prefix) + 1 + SECRET_LENGTH or not key.startswith(prefix + "_"):
        return False
    rest = key[len(prefix) + 1 :]
    if not _BASE62.issuperset(rest):
        return False
    body, check = rest[:BODY_LENGTH], rest[BODY_LENGTH:]
    if _decode(body) >= 1 << 256:
        return False
    return checksum(prefix, body) == check


def _decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _INDEX[char]
    return value


def digest(key: str) -> bytes:
    """SHA-256 of the whole key: the only thing ever stored."""
    return hashlib.sha256(key.encode("ascii")).digest()


def key_id(key_digest: bytes) -> str:
    """The first 16 bytes of the digest as a UUID with version 8 and the RFC 9562 variant bits."""
    raw = bytearray(key_digest[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def display_prefix(key: str, prefix: str) -> str:
    """The key's first ``len(prefix) + 5`` characters, safe to show."""
    return key[: len(prefix) + 5]


def last_four(key: str) -> str:
    return key[-4:]
