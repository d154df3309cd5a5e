"""The verification hot path's own lean runtime: settings, one DynamoDB client, the store and the
``Verifier``, built once per process on first use and reused by every warm invocation.

``keysmith.runtime`` adds the session verifier (PyJWT and cryptography: about a quarter of a cold
start) that the verify and authorizer functions never need, so they take their verifier from here.
``keysmith.runtime.Runtime.build`` builds its verifier with ``build_verifier`` too (one builder),
and ``set_runtime`` installs the runtime's verifier here, so tests that install a runtime drive
the lean handlers against the same table.
"""

from __future__ import annotations

from typing import Any

from keysmith.settings import Settings, get_settings
from keysmith.store import KeyStore, default_client
from keysmith.verification import Verifier

_verifier: Verifier | None = None


def build_verifier(settings: Settings, client: Any | None = None) -> Verifier:
    """A verifier on ``client`` (default: the process's one DynamoDB client) with the deploy's
    prefix, last-used resolution and cache TTL."""
    store = KeyStore(client or default_client(settings.dynamodb_endpoint_url), settings.table_name)
    return Verifier(
        store,
        settings.token_prefix,
        last_used_resolution_seconds=settings.last_used_resolution_seconds,
        cache_ttl_seconds=settings.verify_cache_ttl_seconds,
    )


def get_verifier() -> Verifier:
    """The process's verifier, built from the environment on first use."""
    global _verifier
    if _verifier is None:
        _verifier = build_verifier(get_settings())
    return _verifier


def set_verifier(verifier: Verifier | None) -> None:
    """Install a verifier (tests, benchmarks), or None to build a fresh one on next use."""
    global _verifier
    _verifier = verifier
