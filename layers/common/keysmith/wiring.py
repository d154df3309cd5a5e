"""The one composition root: every collaborator of this process, built from the settings on first
use and reused by every warm invocation.

    settings()  the deploy settings            store()     the DynamoDB key store
    verifier()  the verification core          now()       the clock, looked up on every call
    signing_keys()  the JWT keys' signing keys (``keysmith.signing.keyring``; nothing is loaded
                    or fetched until a JWT key is first minted or presented)
    part(name, build)  any other collaborator, built by its own layer on first use: the session
                       verifier (``keysmith.auth.sessions.session_verifier``) is one, so that
                       nothing here imports PyJWT and the verification functions never load it
    key_creator(), key_query(), lifecycle(), audit_trail()   the domain's services, handed the above

Handlers and ``keysmith.auth`` ask here; the domain never does: it is handed what it needs.
Tests swap collaborators with ``replace(...)`` (a context manager; ``reset()`` drops everything).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from keysmith import clock
from keysmith.domain.verifier import Verifier
from keysmith.logger import logger
from keysmith.settings import Settings, get_settings
from keysmith.store.client import default_client
from keysmith.store.keys import KeyStore

if TYPE_CHECKING:
    from keysmith.domain.audit_trail import AuditTrail
    from keysmith.domain.create import KeyCreator
    from keysmith.domain.jwt_key import JwtKeyReader
    from keysmith.domain.lifecycle import Lifecycle
    from keysmith.domain.query import KeyQuery
    from keysmith.domain.signing import Signer
    from keysmith.signing.keyring import Keyring

_NAMES = frozenset({"settings", "store", "verifier", "sessions", "now", "signing_keys", "event_bus"})
_parts: dict[str, Any] = {}  # what this process built, or what a test put in


def part[T](name: str, build: Callable[[], T]) -> T:
    """The collaborator ``name``: what a test put in place, or what ``build()`` made on first use."""
    if name not in _parts:
        _parts[name] = build()
    result: T = _parts[name]
    return result


def settings() -> Settings:
    return part("settings", get_settings)


def store() -> KeyStore:
    def build() -> KeyStore:
        s = settings()
        return KeyStore(default_client(s.dynamodb_endpoint_url), s.table_name, s.audit_retention_days)

    return part("store", build)


def verifier() -> Verifier:
    return part("verifier", lambda: build_verifier(settings(), store()))


def signing_keys() -> Keyring:
    def build() -> Keyring:
        from keysmith.signing.keyring import Keyring  # JWT keys only: the opaque path never loads it

        s = settings()
        return Keyring(s.signing_key, s.previous_signing_keys)

    return part("signing_keys", build)


def jwt_signer() -> Signer | None:
    """The current signing key, or None when the deploy has none (it then mints no JWT keys)."""
    keys = signing_keys()
    return keys.signer() if keys.current else None


def now() -> float:
    """The time, from the clock in place now (``clock.now``, or what a test put in)."""
    override: Callable[[], float] | None = _parts.get("now")
    return override() if override is not None else clock.now()


# The management services are imported when first asked for: the verification functions import
# this module and never need them (each module is a few milliseconds of a cold start).


def key_creator() -> KeyCreator:
    from keysmith.domain.create import KeyCreator

    return KeyCreator(store(), settings(), now, jwt_signer)


def key_query() -> KeyQuery:
    from keysmith.domain.query import KeyQuery

    return KeyQuery(store(), now)


def lifecycle() -> Lifecycle:
    from keysmith.domain.lifecycle import Lifecycle

    return Lifecycle(store(), settings(), now, jwt_signer)


def audit_trail() -> AuditTrail:
    """The audit trail on the store's own client and table (built on each use, so a test's store
    is always the one it reads)."""
    from keysmith.domain.audit_trail import AuditTrail
    from keysmith.store.audit_events import AuditEvents

    keys = store()
    log = AuditEvents(keys.client, keys.table, keys.audit_retention_days)
    return AuditTrail(log, now)


def build_verifier(settings: Settings, store: KeyStore) -> Verifier:
    """A verifier on ``store`` with the deploy's prefix, last-used resolution and cache TTL, on
    this module's clock (``now``, looked up on every call). Its JWT-key reader is made when a JWT
    key is first presented: an opaque key's verification never loads the JWT modules."""
    readers: list[JwtKeyReader] = []

    def jwt_keys() -> JwtKeyReader:
        if not readers:
            from keysmith.domain.jwt_key import JwtKeyReader

            readers.append(JwtKeyReader(settings.token_prefix, settings.key_issuer, signing_keys, now))
        return readers[0]

    return Verifier(
        store,
        settings.token_prefix,
        now=now,
        last_used_resolution_seconds=settings.last_used_resolution_seconds,
        cache_ttl_seconds=settings.verify_cache_ttl_seconds,
        log=logger,
        jwt_keys=jwt_keys,
    )


def install(**parts: Any) -> None:
    """Put collaborators in place until ``reset()`` (tests, benchmarks). With a new ``settings`` or
    ``store`` and no ``verifier``, the verifier is rebuilt on them on next use."""
    unknown = set(parts) - _NAMES
    if unknown:
        raise TypeError(f"wiring has no {', '.join(sorted(unknown))}")
    if ({"settings", "store"} & set(parts)) and "verifier" not in parts:
        _parts.pop("verifier", None)
    if "settings" in parts and "sessions" not in parts:
        _parts.pop("sessions", None)
    if "settings" in parts and "signing_keys" not in parts:
        _parts.pop("signing_keys", None)
    _parts.update(parts)


@contextmanager
def replace(**parts: Any) -> Iterator[None]:
    """``install(**parts)`` inside the block; everything as it was after it."""
    saved = dict(_parts)
    install(**parts)
    try:
        yield
    finally:
        _parts.clear()
        _parts.update(saved)


def reset() -> None:
    """Forget every collaborator: the next use builds them again from the environment."""
    _parts.clear()
