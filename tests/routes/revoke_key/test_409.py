"""POST /v1/api-keys/{id}/revoke answers 409 when the key's status does not allow revoke
(the rows are in tests/support/refusals.py)."""

from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.refusals import assert_refused, rows


@pytest.mark.parametrize(("setup", "words"), rows("revoke"))
def test_revoke_where_the_status_does_not_allow_it_is_409_naming_the_status(
    api: Client, setup: list[str], words: tuple[str, ...]
) -> None:
    assert_refused(api, setup, "revoke", words)
