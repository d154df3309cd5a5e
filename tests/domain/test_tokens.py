"""The key format of docs/api-reference.md: prefix, 43-character base62 body, 6-character CRC32 checksum."""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib

import pytest

from keysmith.domain import key_format as tokens


def test_a_key_has_the_documented_shape() -> None:
    key = tokens.generate("ks")
    assert re.fullmatch(r"ks_[0-9A-Za-z]{49}", key)
    body, check = key[3:46], key[46:]
    assert check == tokens.base62(zlib.crc32(f"ks_{body}".encode()), 6)
    assert tokens.is_well_formed(key, "ks")


def test_prefixes_with_underscores_work() -> None:
    key = tokens.generate("acme_live")
    assert key.startswith("acme_live_")
    assert tokens.is_well_formed(key, "acme_live")
    assert not tokens.is_well_formed(key, "acme")


def test_keys_are_unique_and_use_the_whole_alphabet() -> None:
    keys = {tokens.generate("ks") for _ in range(2000)}
    assert len(keys) == 2000
    seen = set("".join(k[3:46] for k in keys))
    assert seen == set(tokens.ALPHABET)


def test_base62_pads_and_round_trips() -> None:
    assert tokens.base62(0, 6) == "000000"
    assert tokens.base62(61, 2) == "0z"
    assert len(tokens.base62(2**256 - 1, 43)) == 43
    assert len(tokens.base62(2**32 - 1, 6)) == 6
    with pytest.raises(ValueError):
        tokens.base62(62**6, 6)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # checksum typo
        lambda k: k[:10] + ("A" if k[10] != "A" else "B") + k[11:],  # body typo
        lambda k: k[:-1],  # truncated
        lambda k: k + "0",  # too long
        lambda k: "kx" + k[2:],  # other prefix
        lambda k: k.replace("_", "-", 1),  # separator
        lambda k: k[:20] + "!" + k[21:],  # outside the alphabet
        lambda k: k.upper(),
        lambda k: " " + k[1:],
    ],
)
def test_typos_fail_the_checksum_before_any_lookup(mutate: object) -> None:
    key = tokens.generate("ks")
    bad = mutate(key)  # type: ignore[operator]
    assert bad != key
    assert not tokens.is_well_formed(bad, "ks")


def test_a_body_above_256_bits_is_not_well_formed() -> None:
    body = "z" * 43  # 62**43 - 1 > 2**256
    key = f"ks_{body}{tokens.checksum('ks', body)}"
    assert not tokens.is_well_formed(key, "ks")


def test_the_id_is_the_digest_as_uuid_version_8() -> None:
    key = tokens.generate("ks")
    digest = hashlib.sha256(key.encode()).digest()
    assert tokens.digest(key) == digest
    key_id = uuid.UUID(tokens.key_id(digest))
    assert key_id.version == 8
    assert key_id.variant == uuid.RFC_4122
    raw = key_id.bytes
    assert raw[:6] == digest[:6] and raw[9:] == digest[9:16]
    assert raw[6] & 0x0F == digest[6] & 0x0F and raw[8] & 0x3F == digest[8] & 0x3F


def test_display_prefix_and_last_four() -> None:
    key = tokens.generate("ks")
    assert tokens.display_prefix(key, "ks") == key[:7]
    assert tokens.last_four(key) == key[-4:]
