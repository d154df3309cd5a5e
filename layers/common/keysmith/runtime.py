"""The per-process collaborators, built once from the settings: store, verifier, session verifier.

Handlers get them from ``get_runtime()``; tests build a ``Runtime`` around a moto or DynamoDB
Local client and install it with ``set_runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keysmith import hotpath
from keysmith.sessions import SessionVerifier
from keysmith.settings import Settings, get_settings
from keysmith.store import KeyStore
from keysmith.verification import Verifier


@dataclass
class Runtime:
    settings: Settings
    store: KeyStore
    verifier: Verifier
    sessions: SessionVerifier

    @classmethod
    def build(cls, settings: Settings, client: Any | None = None) -> Runtime:
        verifier = hotpath.build_verifier(settings, client)  # the one builder, shared with the hot path
        return cls(settings, verifier.store, verifier, SessionVerifier(settings))


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.build(get_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime
    hotpath.set_verifier(runtime.verifier if runtime is not None else None)  # the lean handlers' too
