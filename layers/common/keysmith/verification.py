"""The one verification core: used by POST /v1/verify, the Lambda authorizer and the management
API's API-key principals.

Order: prefix and checksum (no I/O when they fail) -> SHA-256 -> id -> one consistent GetItem ->
constant-time compare of the stored digest -> status, expiry, environment, scope.

Import path: standard library, boto3 and Powertools Logger only. No pydantic, no web framework.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from keysmith import clock, tokens
from keysmith.logs import logger
from keysmith.records import EXPIRED, REVOKED, SUSPENDED, KeyRecord
from keysmith.store import KeyStore

VALID = "VALID"
MALFORMED = "MALFORMED"
NOT_FOUND = "NOT_FOUND"
CODE_EXPIRED = "EXPIRED"
CODE_SUSPENDED = "SUSPENDED"
CODE_REVOKED = "REVOKED"
INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
WRONG_ENVIRONMENT = "WRONG_ENVIRONMENT"
_STATUS_CODES = {EXPIRED: CODE_EXPIRED, SUSPENDED: CODE_SUSPENDED, REVOKED: CODE_REVOKED}


@dataclass(frozen=True, slots=True)
class Verification:
    code: str
    record: KeyRecord | None = None

    @property
    def valid(self) -> bool:
        return self.code == VALID


class Verifier:
    def __init__(
        self,
        store: KeyStore,
        prefix: str,
        *,
        last_used_resolution_seconds: int = 60,
        cache_ttl_seconds: int = 0,
        now: Callable[[], float] = clock.now,
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.resolution = last_used_resolution_seconds
        self.cache_ttl = cache_ttl_seconds
        self.now = now
        self._cache: dict[str, tuple[float, KeyRecord]] = {}
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()

    def lookup(self, key: object) -> tuple[str, KeyRecord | None]:
        """MALFORMED, NOT_FOUND or the stored record of this exact key. Raises StoreUnavailable."""
        if not isinstance(key, str) or not tokens.is_well_formed(key, self.prefix):
            return MALFORMED, None
        key_digest = tokens.digest(key)
        key_id = tokens.key_id(key_digest)
        record = self._cached(key_id)
        if record is None:
            record = self.store.get(key_id)
            if record is not None and self.cache_ttl > 0:
                with self._lock:
                    self._cache[key_id] = (self.now() + self.cache_ttl, record)
        if record is None or not hmac.compare_digest(record.key_hash, key_digest.hex()):
            return NOT_FOUND, None
        return VALID, record

    def verify(
        self,
        key: object,
        required_scopes: Iterable[str] = (),
        environment_id: str | None = None,
    ) -> Verification:
        code, record = self.lookup(key)
        if record is None:
            return Verification(code)
        status = record.effective_status(self.now())
        if status in _STATUS_CODES:
            return Verification(_STATUS_CODES[status], record)
        if environment_id is not None and record.environment_id not in (None, environment_id):
            return Verification(WRONG_ENVIRONMENT, record)
        if not set(required_scopes).issubset(record.scopes):
            return Verification(INSUFFICIENT_SCOPE, record)
        return Verification(VALID, record)

    def _cached(self, key_id: str) -> KeyRecord | None:
        if self.cache_ttl <= 0:
            return None
        with self._lock:
            entry = self._cache.get(key_id)
            if entry is None:
                return None
            if entry[0] <= self.now():
                del self._cache[key_id]
                return None
            return entry[1]

    def record_use(self, record: KeyRecord, ip: str | None, user_agent: str | None) -> bool:
        """Write last-used at most once per key per resolution window; never raises.

        Returns True when a write was made. The condition on ``last_used_at`` keeps concurrent
        containers from writing more than once per window between them.
        """
        at = self.now()
        threshold = at - self.resolution
        with self._lock:
            written = self._written.get(record.id)
        if (written is not None and written > threshold) or (
            record.last_used_at is not None and record.last_used_at > threshold
        ):
            return False
        values = {":at": {"N": repr(round(at, 6))}, ":threshold": {"N": repr(round(threshold, 6))}}
        sets = ["last_used_at = :at"]
        removes = []
        for name, value in (("last_used_ip", ip), ("last_used_user_agent", user_agent)):
            if value:
                values[f":{name}"] = {"S": value[:512]}
                sets.append(f"{name} = :{name}")
            else:
                removes.append(name)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        with self._lock:
            self._written[record.id] = at
            if len(self._written) > 10_000:
                self._written.clear()
        try:
            self.store.client.update_item(
                TableName=self.store.table,
                Key={"id": {"S": record.id}},
                UpdateExpression=expression,
                ConditionExpression=(
                    "attribute_exists(id) AND "
                    "(attribute_not_exists(last_used_at) OR last_used_at <= :threshold)"
                ),
                ExpressionAttributeValues=values,
            )
        except Exception as error:  # a failed last-used write must never fail the verification
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
            if code != "ConditionalCheckFailedException":
                logger.warning("last-used write failed", key_id=record.id, error=code)
            return False
        return True
