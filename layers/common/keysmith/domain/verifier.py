"""The one verification core: used by POST /v1/verify, the Lambda authorizer and the management
API's API-key principals (``keysmith.auth.credentials``).

Order: prefix, length, alphabet and checksum (no I/O when they fail) -> SHA-256 -> id -> one
consistent GetItem (or the optional in-process cache) -> constant-time compare of the stored digest
-> status (revoked, expired, suspended) -> environment -> scopes. The first failing check is the
answer's code.

A JWT key (``keysmith.domain.jwt_key``) takes the same path once its structure, header, signature
and claims have been checked with no database call: its id is its ``jti``, and the stored digest is
the SHA-256 of the whole JWT.

Last-used (``record_use``) is written at most once per key per resolution window: the container
remembers its own writes, the record read says whether another container wrote inside the window,
and the conditional write settles races between containers. A failed write never fails the
verification.

Standard library only: the store (``ports.KeyReader``), the clock (a ``now()`` callable, looked up
on every call) and the log are passed in by ``keysmith.wiring``.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from keysmith.domain import key_format
from keysmith.domain.api_key import EXPIRED, REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.grammar import without_forbidden_characters
from keysmith.domain.ports import KeyReader

if TYPE_CHECKING:
    from keysmith.domain.jwt_key import JwtKeyReader

VALID = "VALID"
MALFORMED = "MALFORMED"
NOT_FOUND = "NOT_FOUND"
CODE_EXPIRED = "EXPIRED"
CODE_SUSPENDED = "SUSPENDED"
CODE_REVOKED = "REVOKED"
INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
WRONG_ENVIRONMENT = "WRONG_ENVIRONMENT"
CODES = (
    VALID,
    MALFORMED,
    NOT_FOUND,
    CODE_EXPIRED,
    CODE_SUSPENDED,
    CODE_REVOKED,
    INSUFFICIENT_SCOPE,
    WRONG_ENVIRONMENT,
)
_STATUS_CODES = {EXPIRED: CODE_EXPIRED, SUSPENDED: CODE_SUSPENDED, REVOKED: CODE_REVOKED}

# Longest client_ip / user_agent kept in last_used_* (longer values are cut, not refused).
MAX_LAST_USED_TEXT = 512
# Bounds on the per-container maps, so a flood of distinct keys cannot grow memory without end.
MAX_CACHE_ENTRIES = 10_000
MAX_WRITE_MARKS = 10_000


@dataclass(frozen=True, slots=True)
class Verification:
    code: str
    record: KeyRecord | None = None  # None for MALFORMED and NOT_FOUND

    @property
    def valid(self) -> bool:
        return self.code == VALID


_MALFORMED = Verification(MALFORMED)
_NOT_FOUND = Verification(NOT_FOUND)


class Log(Protocol):
    """Where a failed last-used write is reported (the service's structured logger)."""

    def warning(self, msg: str, *args: Any, **fields: Any) -> Any: ...


class _StandardLog:
    """The standard library's logging, for a verifier built without the service's logger."""

    def warning(self, msg: str, *args: Any, **fields: Any) -> None:
        logging.getLogger("keysmith").warning("%s %s", msg, fields)


class Verifier:
    """Verifies keys against the store. One per process; safe to share between threads."""

    def __init__(
        self,
        store: KeyReader,
        prefix: str,
        *,
        now: Callable[[], float],
        last_used_resolution_seconds: int = 60,
        cache_ttl_seconds: int = 0,
        log: Log | None = None,
        jwt_keys: Callable[[], JwtKeyReader] | None = None,
    ) -> None:
        self.store = store
        self.jwt_keys = jwt_keys
        self.prefix = prefix
        self.resolution = last_used_resolution_seconds
        self.cache_ttl = cache_ttl_seconds
        self.now = now
        self.log: Log = log if log is not None else _StandardLog()
        self._cache: dict[str, tuple[float, KeyRecord]] = {}  # key id -> (fresh until, record)
        self._written: dict[str, float] = {}  # key id -> when this container last wrote last-used
        self._lock = threading.Lock()

    # --- reading ----------------------------------------------------------------------------------
    def lookup(self, key: object) -> Verification:
        """MALFORMED, NOT_FOUND, or VALID with the stored record of exactly this key (status not
        yet checked). Raises ``StoreUnavailable`` when the store throttles or fails."""
        if not isinstance(key, str):
            return _MALFORMED
        if "." in key:  # only a JWT key has dots
            jwt_id = self.jwt_keys().key_id_of(key) if self.jwt_keys is not None else None
            if jwt_id is None:
                return _MALFORMED
            key_digest, key_id = key_format.digest(key), jwt_id
        elif key_format.is_well_formed(key, self.prefix):
            key_digest = key_format.digest(key)
            key_id = key_format.key_id(key_digest)
        else:
            return _MALFORMED
        record = self._cached(key_id) if self.cache_ttl > 0 else None
        if record is None:
            record = self.store.get(key_id)
            if record is None:
                return _NOT_FOUND  # never cached: a key created a moment ago must verify at once
            if self.cache_ttl > 0:
                self._remember(key_id, record)
        # The id is only 128 bits of the digest: the full digest decides, in constant time.
        if not hmac.compare_digest(record.key_hash, key_digest.hex()):
            return _NOT_FOUND
        return Verification(VALID, record)

    def verify(
        self,
        key: object,
        required_scopes: Collection[str] = (),
        environment_id: str | None = None,
    ) -> Verification:
        """The verdict on ``key`` for a request that needs ``required_scopes`` in ``environment_id``.

        A key without an environment is valid in every environment of its tenant; with no
        ``environment_id`` asked for, the key's own restriction is not checked.
        """
        found = self.lookup(key)
        record = found.record
        if record is None:
            return found
        status = record.effective_status(self.now())
        code = _STATUS_CODES.get(status)
        if code is not None:
            return Verification(code, record)
        if environment_id is not None and record.environment_id not in (None, environment_id):
            return Verification(WRONG_ENVIRONMENT, record)
        if required_scopes and not all(scope in record.scopes for scope in required_scopes):
            return Verification(INSUFFICIENT_SCOPE, record)
        return found

    # --- the optional in-process cache ---------------------------------------------------------------
    def _cached(self, key_id: str) -> KeyRecord | None:
        entry = self._cache.get(key_id)
        if entry is None:
            return None
        if entry[0] <= self.now():
            with self._lock:
                self._cache.pop(key_id, None)
            return None
        return entry[1]

    def _remember(self, key_id: str, record: KeyRecord) -> None:
        now = self.now()
        with self._lock:
            if len(self._cache) >= MAX_CACHE_ENTRIES:
                for stale in [k for k, (until, _) in self._cache.items() if until <= now]:
                    del self._cache[stale]
                if len(self._cache) >= MAX_CACHE_ENTRIES:
                    self._cache.clear()
            self._cache[key_id] = (now + self.cache_ttl, record)

    def forget(self, key_id: str | None = None) -> None:
        """Drop one cached record (or all of them)."""
        with self._lock:
            if key_id is None:
                self._cache.clear()
            else:
                self._cache.pop(key_id, None)

    # --- last used ------------------------------------------------------------------------------------
    def record_use(self, record: KeyRecord, ip: str | None, user_agent: str | None) -> bool:
        """Write last-used (time, client IP, user agent) at most once per key per resolution window.

        Returns True when this call wrote. Never raises: a failed write is logged and the
        verification stands. The write is skipped when this container wrote inside the window or
        the record read shows that someone did; the condition on ``last_used_at`` keeps concurrent
        containers to one write per window between them. A failed write is not retried by this
        container inside the window (no write storms against a throttled table).
        """
        at = self.now()
        threshold = at - self.resolution
        last = record.last_used_at
        if last is not None and last > threshold:
            return False
        key_id = record.id
        with self._lock:
            written = self._written.get(key_id)
            if written is not None and written > threshold:
                return False
            if len(self._written) >= MAX_WRITE_MARKS:
                self._written = {k: t for k, t in self._written.items() if t > threshold}
                if len(self._written) >= MAX_WRITE_MARKS:
                    self._written.clear()
            self._written[key_id] = at
        try:
            return self.store.touch_last_used(
                key_id,
                at=at,
                not_after=threshold,
                ip=ip[:MAX_LAST_USED_TEXT] if ip else None,
                user_agent=without_forbidden_characters(user_agent)[:MAX_LAST_USED_TEXT] or None
                if user_agent
                else None,
            )
        except Exception as error:  # a failed last-used write must never fail the verification
            self.log.warning("last-used write failed", key_id=key_id, error=type(error).__name__)
            return False
