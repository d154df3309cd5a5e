"""GET /v1/api-keys/{id} answers 404 for unknown and malformed ids."""

from __future__ import annotations

import uuid

from tests.support.client import Client as Api


def test_unknown_and_malformed_ids_are_404(api: Api) -> None:
    token = api.session("alice", "acme")
    for key_id in (str(uuid.uuid4()), "not-a-uuid", "..%2F..%2Fetc"):
        reply = api.request("GET", f"/v1/api-keys/{key_id}", token=token)
        assert reply.status == 404, key_id
