"""What a verification answers: its codes, the ``Verification`` value, and the checks that refuse a
stored key (status, not_before, allowed_ips, environment, scopes; then which limit refused a metered
write). ``keysmith.domain.verifier`` runs them in this order; the HTTP views render them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from keysmith.domain import restrictions
from keysmith.domain.api_key import EXPIRED, REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.ports import StoreUnavailable

VALID = "VALID"
MALFORMED = "MALFORMED"
NOT_FOUND = "NOT_FOUND"
CODE_EXPIRED = "EXPIRED"
CODE_SUSPENDED = "SUSPENDED"
CODE_REVOKED = "REVOKED"
INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
WRONG_ENVIRONMENT = "WRONG_ENVIRONMENT"
NOT_YET_VALID = "NOT_YET_VALID"
IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
RATE_LIMITED = "RATE_LIMITED"
USAGE_EXCEEDED = "USAGE_EXCEEDED"
CODES = (
    VALID,
    MALFORMED,
    NOT_FOUND,
    CODE_EXPIRED,
    CODE_SUSPENDED,
    CODE_REVOKED,
    INSUFFICIENT_SCOPE,
    WRONG_ENVIRONMENT,
    NOT_YET_VALID,
    IP_NOT_ALLOWED,
    RATE_LIMITED,
    USAGE_EXCEEDED,
)
_STATUS_CODES = {EXPIRED: CODE_EXPIRED, SUSPENDED: CODE_SUSPENDED, REVOKED: CODE_REVOKED}


class JwtKeyNotYetValid(Exception):
    """A genuine JWT key of this deploy presented before its ``nbf`` (the key's ``not_before`` when
    it was minted): ``NOT_YET_VALID`` with no database call, as any JWT library would refuse it."""


@dataclass(frozen=True, slots=True)
class Verification:
    code: str
    record: KeyRecord | None = None  # None for MALFORMED and NOT_FOUND
    at: float = 0.0  # when the limits were checked (their window and refill period)

    @property
    def valid(self) -> bool:
        return self.code == VALID


def refusal(
    record: KeyRecord,
    now: float,
    required_scopes: Collection[str],
    environment_id: str | None,
    client_ip: str | None,
) -> str | None:
    """The first check before the limits that refuses ``record`` at ``now``, or None."""
    code = _STATUS_CODES.get(record.effective_status(now))
    if code is not None:
        return code
    limits = record.limits
    if limits.not_before is not None and now < limits.not_before:
        return NOT_YET_VALID
    if limits.allowed_ips and not restrictions.contains(limits.allowed_ips, client_ip):
        return IP_NOT_ALLOWED
    if environment_id is not None and record.environment_id not in (None, environment_id):
        return WRONG_ENVIRONMENT
    if required_scopes and not all(scope in record.scopes for scope in required_scopes):
        return INSUFFICIENT_SCOPE
    return None


def limit_refusal(record: KeyRecord, now: float, cost: int) -> str:
    """Which limit refused a metered write on a key that had not changed: the rate limit first."""
    limits = record.limits
    if limits.rate_limit is not None and limits.used_in_window(now) >= limits.rate_limit.limit:
        return RATE_LIMITED
    left = limits.credits_left(now)
    if left is not None and left < max(cost, 1):
        return USAGE_EXCEEDED
    # Neither: a racer's write changed what the condition saw (e.g. a window rolled); try again later.
    raise StoreUnavailable("a metered write was refused by a limit that no longer refuses")
