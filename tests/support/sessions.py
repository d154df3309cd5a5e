"""The claims of a session JWT as the local issuer writes them, for tests that sign their own."""

from __future__ import annotations

import time
from typing import Any

from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER


def session_claims(**overrides: Any) -> dict[str, Any]:
    """The claims of a valid ten-minute session of admin u_1 of acme, issued now; an override of
    None leaves that claim out."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "sub": "u_1",
        "tenant_id": "acme",
        "roles": ["admin"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}
