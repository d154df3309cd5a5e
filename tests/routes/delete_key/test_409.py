"""DELETE /v1/api-keys/{id} answers 409 when the key's status does not allow delete
(the rows are in tests/support/refusals.py)."""

from __future__ import annotations

from tests.support.refusals import refused

test_delete_where_the_status_does_not_allow_it_is_409_naming_the_status = refused("delete")
