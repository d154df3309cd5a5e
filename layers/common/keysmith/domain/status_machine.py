"""The key's status machine, as one table. Everything else derives from it: the representation's
``available_actions``, the 409 wording, and the store's write conditions
(``keysmith.store.conditions`` renders them).

A key's stored status is active, suspended or revoked; ``expired`` is never stored: it is derived
from ``expires_at`` and the clock on every read, because DynamoDB's TTL deletes items lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIVE, SUSPENDED, REVOKED, EXPIRED = "active", "suspended", "revoked", "expired"
STATUSES = (ACTIVE, SUSPENDED, REVOKED, EXPIRED)
STORED_STATUSES = (ACTIVE, SUSPENDED, REVOKED)


def _words(statuses: tuple[str, ...]) -> str:
    if len(statuses) == 1:
        return statuses[0]
    return f"{', '.join(statuses[:-1])} or {statuses[-1]}"


@dataclass(frozen=True, slots=True)
class Action:
    """An action on a key: the statuses it is available in (``expired`` included when it is)."""

    name: str
    statuses: tuple[str, ...]
    needs_no_successor: bool = False  # only a key that has not been rotated yet

    @property
    def allowed(self) -> str:
        """In words, for the 409 detail: "active or suspended keys", "active keys without a successor"."""
        words = f"{_words(self.statuses)} keys"
        return f"{words} without a successor" if self.needs_no_successor else words

    def allows(self, status: str, has_successor: bool) -> bool:
        """Is the action available to a key with this effective status?"""
        return status in self.statuses and not (self.needs_no_successor and has_successor)

    def refusal(self, status: str) -> str:
        """The 409 detail for a key whose effective status does not allow the action."""
        if self is CHANGE:
            return f"The key is {status}; only {self.allowed} can be changed."
        return f"The key is {status}; {self.name} is available only for {self.allowed}."


SUSPEND = Action("suspend", (ACTIVE,))
ACTIVATE = Action("activate", (SUSPENDED,))
REVOKE = Action("revoke", (ACTIVE, SUSPENDED))
ROTATE = Action("rotate", (ACTIVE,), needs_no_successor=True)
DELETE = Action("delete", (SUSPENDED, REVOKED, EXPIRED))
CHANGE = Action("change", (ACTIVE, SUSPENDED))  # PATCH

# The actions the representation lists in ``available_actions``, in its order.
LISTED = (SUSPEND, ACTIVATE, REVOKE, ROTATE, DELETE)


def effective_status(stored: str, expires_at: float | None, now: float) -> str:
    if stored == REVOKED:
        return REVOKED
    if expires_at is not None and expires_at <= now:
        return EXPIRED
    return stored


def available_actions(status: str, has_successor: bool) -> dict[str, bool]:
    return {action.name: action.allows(status, has_successor) for action in LISTED}
