"""The per-process collaborators, built once from the settings: store, verifier, session verifier.

Handlers get them from ``get_runtime()``; tests build a ``Runtime`` around a moto or DynamoDB
Local client and install it with ``set_runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keysmith.sessions import SessionVerifier
from keysmith.settings import Settings, get_settings
from keysmith.store import KeyStore, default_client
from keysmith.verification import Verifier


@dataclass
class Runtime:
    settings: Settings
    store: KeyStore
    verifier: Verifier
    sessions: SessionVerifier

    @classmethod
    def build(cls, settings: Settings, client: Any | None = None) -> Runtime:
        store = KeyStore(client or default_client(settings.dynamodb_endpoint_url), settings.table_name)
        verifier = Verifier(
            store,
            settings.token_prefix,
            last_used_resolution_seconds=settings.last_used_resolution_seconds,
            cache_ttl_seconds=settings.verify_cache_ttl_seconds,
        )
        return cls(settings, store, verifier, SessionVerifier(settings))


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.build(get_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime
