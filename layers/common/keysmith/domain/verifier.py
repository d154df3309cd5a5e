"""The one verification core: used by POST /v1/verify, the Lambda authorizer and the management
API's API-key principals (``keysmith.auth.credentials``).

Order: prefix, length, alphabet and checksum (no I/O when they fail) -> SHA-256 -> id -> one
consistent GetItem (or the optional in-process cache) -> constant-time compare of the stored digest
-> status (revoked, expired, suspended) -> not_before -> allowed_ips -> environment -> scopes ->
rate limit -> credits. The first failing check is the answer's code (``keysmith.domain.verdicts``).

A key with a rate limit or credits (``Limits.metered``) is counted and spent by one conditional
write (``ports.Use``) that applies only while the key is the version that was checked. This
process remembers the metered keys it wrote (the item as the write left it): the next verification
of such a key checks the remembered item and sends only that write, whose version condition stands
for the read it skips; a key changed since (suspended, revoked, its ranges narrowed) fails the
condition, which answers the key as it is, and the checks run again on that. So a metered key costs
one request per verification, plus one read the first time this process meets it.

A JWT key (``keysmith.domain.jwt_key``) takes the same path, remembered or read, once its signature
and claims are checked with no I/O: its id is its ``jti``, its stored digest the JWT's SHA-256.

Last-used (``record_use``) is written at most once per key per resolution window: the container
remembers its own writes, the record read says whether another container wrote inside the window,
and the conditional write settles races between containers. A failed write never fails a check.
Standard library only: the store, the clock and the log come from ``keysmith.wiring``.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol, cast

from keysmith.domain import key_format
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.grammar import without_forbidden_characters
from keysmith.domain.ports import KeyReader, MeteredReader, StoreUnavailable, Use
from keysmith.domain.verdicts import (
    MALFORMED,
    NOT_FOUND,
    NOT_YET_VALID,
    VALID,
    JwtKeyNotYetValid,
    Verification,
    limit_refusal,
    refusal,
)

if TYPE_CHECKING:
    from keysmith.domain.jwt_key import JwtKeyReader

# How often a metered verification re-checks a key that changed under its write before answering 503.
MAX_USE_ATTEMPTS = 3

# Longest client_ip / user_agent kept in last_used_* (longer values are cut, not refused).
MAX_LAST_USED_TEXT = 512
# Bounds on the per-container maps, so a flood of distinct keys cannot grow memory without end.
MAX_CACHE_ENTRIES = 10_000
MAX_WRITE_MARKS = 10_000

_MALFORMED = Verification(MALFORMED)
_NOT_YET_VALID = Verification(NOT_YET_VALID)
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
        store: KeyReader | MeteredReader,
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
        self._metered: dict[str, KeyRecord] = {}  # key id -> a metered key as this process last wrote it
        self._lock = threading.Lock()

    # --- reading ----------------------------------------------------------------------------------
    def identify(self, key: object) -> tuple[bytes, str] | Verification:
        """The digest and id of ``key`` with no I/O (prefix, length, alphabet, checksum; a JWT key's
        signature and claims), or MALFORMED, or NOT_YET_VALID for a JWT key before its ``nbf``."""
        if not isinstance(key, str):
            return _MALFORMED
        if "." in key:  # only a JWT key has dots
            try:
                jwt_id = self.jwt_keys().key_id_of(key) if self.jwt_keys is not None else None
            except JwtKeyNotYetValid:
                return _NOT_YET_VALID  # genuine, signed with its not_before as nbf: no read needed
            if jwt_id is None:
                return _MALFORMED
            return key_format.digest(key), jwt_id
        if key_format.is_well_formed(key, self.prefix):
            key_digest = key_format.digest(key)
            return key_digest, key_format.key_id(key_digest)
        return _MALFORMED

    def lookup(self, key_digest: bytes, key_id: str) -> Verification:
        """NOT_FOUND, or VALID with the stored record of exactly this key (status not yet checked);
        ``StoreUnavailable`` when the store throttles or fails."""
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
        *,
        client_ip: str | None = None,
        user_agent: str | None = None,
        cost: int = 1,
    ) -> Verification:
        """The verdict on ``key`` for a request from ``client_ip`` that needs ``required_scopes`` in
        ``environment_id`` and spends ``cost`` credits (0: none, but at least one must be left).

        A key without an environment is valid in every environment of its tenant; with no
        ``environment_id`` asked for, the key's own restriction is not checked. A key with
        ``allowed_ips`` is valid only from an address inside one of them.
        """
        now = self.now()
        identified = self.identify(key)
        if isinstance(identified, Verification):
            return identified
        key_digest, key_id = identified
        remembered = self._remembered(key_digest, key_id)
        if (
            remembered is not None
            and refusal(remembered, now, required_scopes, environment_id, client_ip) is None
        ):
            return self._use(remembered, now, required_scopes, environment_id, client_ip, user_agent, cost)
        found = self.lookup(key_digest, key_id)
        record = found.record
        if record is None:
            return found
        code = refusal(record, now, required_scopes, environment_id, client_ip)
        if code is not None:
            return Verification(code, record, now)
        if not record.limits.metered:
            return found
        return self._use(record, now, required_scopes, environment_id, client_ip, user_agent, cost)

    # --- metered keys: one conditional write --------------------------------------------------------
    def _use(
        self,
        record: KeyRecord,
        now: float,
        required_scopes: Collection[str],
        environment_id: str | None,
        client_ip: str | None,
        user_agent: str | None,
        cost: int,
    ) -> Verification:
        """Count and spend ``record``'s use; re-check the key as it is when it changed meanwhile."""
        store = cast(MeteredReader, self.store)
        for _ in range(MAX_USE_ATTEMPTS):
            outcome = store.use(Use(record, now, cost, _text(client_ip), _text(user_agent, clean=True)))
            current = outcome.record
            if current is None or current.key_hash != record.key_hash:
                self._forget_metered(record.id)
                return _NOT_FOUND
            if outcome.applied:
                self._remember_metered(current)
                return Verification(VALID, current, now)
            if current.version == record.version:  # the key as checked: a limit refused
                self._remember_metered(current)
                return Verification(limit_refusal(current, now, cost), current, now)
            record = current  # changed since it was read: check it again as it is
            code = refusal(record, now, required_scopes, environment_id, client_ip)
            if code is not None or not record.limits.metered:
                self._forget_metered(record.id)
                return Verification(code or VALID, record, now)
        raise StoreUnavailable("the key changed under every metered write")

    def _remembered(self, key_digest: bytes, key_id: str) -> KeyRecord | None:
        record = self._metered.get(key_id)
        if record is None or not hmac.compare_digest(record.key_hash, key_digest.hex()):
            return None
        return record

    def _remember_metered(self, record: KeyRecord) -> None:
        with self._lock:
            if len(self._metered) >= MAX_CACHE_ENTRIES and record.id not in self._metered:
                self._metered.clear()
            self._metered[record.id] = record

    def _forget_metered(self, key_id: str) -> None:
        with self._lock:
            self._metered.pop(key_id, None)

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
        if record.limits.metered:
            return False  # its metered write recorded the use already
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
                ip=_text(ip),
                user_agent=_text(user_agent, clean=True),
            )
        except Exception as error:  # a failed last-used write must never fail the verification
            self.log.warning("last-used write failed", key_id=key_id, error=type(error).__name__)
            return False


def _text(value: str | None, *, clean: bool = False) -> str | None:
    """A client IP or user agent as last-used keeps it: cut to its first ``MAX_LAST_USED_TEXT``
    characters, a user agent without forbidden characters; None when nothing is left."""
    if not value:
        return None
    return (without_forbidden_characters(value) if clean else value)[:MAX_LAST_USED_TEXT] or None
