"""A JWT key made through the local server (as with ``make dev``): the README's offline check, run
exactly as written, accepts it against /.well-known/jwks.json; verify answers VALID and the
authorizer lets it through to whoami; right after its revocation verify answers REVOKED and the
authorizer denies it, while the offline check, which cannot see a revocation, still accepts it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from local.stack import LOCAL_KEY_ISSUER
from tests.e2e.conftest import Client
from tests.helpers import ROOT


def readme_offline_check() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- offline-check -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert match, "README.md has no offline-check snippet"
    return match.group(1)


def test_a_jwt_key_verifies_offline_then_on_verify_and_the_authorizer_until_revoked(
    client: Client,
    session_token: Callable[..., str],
    create_key: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = session_token("u_jwt", f"t_{uuid.uuid4().hex[:10]}", ["admin"])
    created = create_key(admin, "offline", format="jwt", scopes=["read"], expires_in_seconds=3600)
    token = created["key"]
    assert created["format"] == "jwt"

    monkeypatch.setenv("KEYSMITH_JWKS_URL", f"{client.base_url}/.well-known/jwks.json")
    monkeypatch.setenv("KEYSMITH_KEY_ISSUER", LOCAL_KEY_ISSUER)
    snippet: dict[str, Any] = {}
    exec(compile(readme_offline_check(), "README.md offline-check", "exec"), snippet)  # noqa: S102
    check_key = snippet["check_key"]
    claims = check_key(token, "read")
    assert claims["jti"] == created["id"] and claims["tenant_id"] == created["tenant_id"]
    with pytest.raises(jwt.InvalidTokenError):
        check_key(token, "write")
    with pytest.raises(jwt.InvalidTokenError):
        check_key(token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"), "read")
    with pytest.raises(jwt.InvalidTokenError):
        check_key(admin, "read")  # a session is no key

    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.headers["Cache-Control"] == "public, max-age=300"

    verdict = client.post("/internal/v1/verify", json={"key": token, "required_scopes": ["read"]}).json()
    assert verdict["code"] == "VALID" and verdict["key"]["id"] == created["id"]
    whoami = client.get("/v1/whoami", token)
    assert whoami.status_code == 200 and whoami.json()["key_id"] == created["id"]

    revoked = client.post(f"/v1/api-keys/{created['id']}/revoke", admin)
    assert revoked.status_code == 200, revoked.text
    assert client.post("/internal/v1/verify", json={"key": token}).json() == {
        "valid": False,
        "code": "REVOKED",
    }
    assert client.get("/v1/whoami", token).status_code == 403
    assert check_key(token, "read")["jti"] == created["id"]  # offline cannot see the revocation
