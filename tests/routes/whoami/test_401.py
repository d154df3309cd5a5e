"""GET /v1/whoami without an authorizer context answers 401."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.client import whoami


def test_whoami_without_an_authorizer_context_is_401(api: Api) -> None:
    reply = whoami(None)
    assert reply.status == 401
    assert reply.header("WWW-Authenticate")
