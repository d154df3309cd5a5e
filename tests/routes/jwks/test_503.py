"""GET /.well-known/jwks.json when KMS fails: 503 problem+json with Retry-After."""

from __future__ import annotations

import pytest

from keysmith import wiring
from keysmith.signing.keyring import Keyring
from tests.support.client import Client as Api
from tests.support.jwt_keys import CountingKms, kms_signing_key


@pytest.mark.parametrize("dynamodb", ["moto"], indirect=True)
def test_a_kms_fault_answers_503_and_the_next_request_succeeds(api: Api) -> None:
    failing = CountingKms()
    with wiring.replace(signing_keys=Keyring(kms_signing_key(), kms_client=lambda: failing)):
        failing.failure = "ThrottlingException"
        reply = api.request("GET", "/.well-known/jwks.json")
        assert reply.status == 503 and reply.header("Retry-After")
        assert reply.header("Content-Type") == "application/problem+json"
        assert reply.body["type"] == "urn:keysmith:problem:unavailable"
        failing.failure = None
        assert api.request("GET", "/.well-known/jwks.json").status == 200
