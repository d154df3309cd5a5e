"""POST /v1/api-keys answers 401 for missing, malformed or mistyped credentials."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer ks_short", "Token x.y.z"],
)
def test_missing_or_malformed_credentials_are_401(api: Api, authorization: str | None) -> None:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    reply = api.request("POST", "/v1/api-keys", body='{"name": "x"}', headers=headers)
    assert_problem(reply, 401, "unauthenticated")
    assert (reply.header("WWW-Authenticate") or "").startswith("Bearer")
    for path in ("/v1/api-keys", "/v1/api-keys/00000000-0000-8000-8000-000000000000"):
        got = api.request("GET", path, headers={"authorization": authorization} if authorization else {})
        assert_problem(got, 401, "unauthenticated")


def test_a_checksum_typo_in_a_key_is_401_without_a_lookup(api: Api) -> None:
    token = api.session("u", "acme")
    key = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}).body["key"]
    typo = key[:-1] + ("A" if key[-1] != "A" else "B")
    reply = api.request("GET", "/v1/api-keys", token=typo)
    assert_problem(reply, 401, "unauthenticated")
    assert "malformed" in reply.body["detail"]
