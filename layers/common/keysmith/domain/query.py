"""Reading keys: one key by id, and the listings a caller may see (rules 1, 2, 6)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from keysmith.domain import policy
from keysmith.domain.api_key import KeyRecord, owner_key
from keysmith.domain.grammar import KEY_ID
from keysmith.domain.ports import BadCursor, KeyStore, Listing, Page
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem, not_found
from keysmith.domain.status_machine import STATUSES

_STATUS_RULE = f"Must be one of {', '.join(STATUSES)}."


def cursor_problem(error: BadCursor) -> Problem:
    """400 for a list cursor this service did not issue for this listing."""
    return Problem(
        "malformed-request",
        f"The cursor is not valid: {error}.",
        errors=[{"pointer": "/cursor", "detail": str(error)}],
    )


@dataclass(frozen=True)
class ListFilter:
    status: str | None = None
    owner_type: str | None = None
    owner_id: str | None = None
    environment_id: str | None = None


class KeyQuery:
    def __init__(self, store: KeyStore, now: Callable[[], float]) -> None:
        self.store = store
        self.now = now

    def get(self, principal: Principal, key_id: str) -> KeyRecord:
        policy.require_scope(principal, policy.READ)
        record = self._visible_record(principal, key_id)
        if record is None:
            raise not_found()
        return record

    def visible(self, principal: Principal, key_id: str) -> bool:
        """Does ``key_id`` name a key this caller may see, whatever its scopes? (One read.)"""
        return self._visible_record(principal, key_id) is not None

    def _visible_record(self, principal: Principal, key_id: str) -> KeyRecord | None:
        if not KEY_ID.fullmatch(key_id):
            return None  # a malformed id is just not found, and costs no read
        record = self.store.get(key_id)
        return record if record is not None and policy.visible(principal, record) else None

    def list(self, principal: Principal, filters: ListFilter, limit: int, cursor: str | None) -> Page:
        policy.require_scope(principal, policy.READ)
        listing = self.listing(principal, filters)
        if listing is None:
            return Page([], None)  # a filter for keys outside what you may see matches nothing
        try:
            return self.store.page(listing, limit, cursor)
        except BadCursor as error:
            raise cursor_problem(error) from None

    def listing(self, principal: Principal, filters: ListFilter) -> Listing | None:
        """Which index partition and filters answer this caller's listing; None when nothing can match."""
        if filters.status is not None and filters.status not in STATUSES:
            raise Problem(
                "malformed-request",
                f"status must be one of {', '.join(STATUSES)}.",
                errors=[{"pointer": "/status", "detail": _STATUS_RULE}],
            )
        owner_type = owner_id = None
        if principal.is_admin and filters.owner_type and filters.owner_id:
            index, partition = "owner", owner_key(principal.tenant_id, filters.owner_type, filters.owner_id)
        elif principal.is_admin:
            index, partition = "tenant", principal.tenant_id
            owner_type, owner_id = filters.owner_type, filters.owner_id
        else:
            if (filters.owner_type not in (None, principal.owner_type)) or (
                filters.owner_id not in (None, principal.owner_id)
            ):
                return None
            index = "owner"
            partition = owner_key(principal.tenant_id, principal.owner_type, principal.owner_id)
        if principal.environment_id and filters.environment_id not in (None, principal.environment_id):
            return None
        environment = principal.environment_id or filters.environment_id
        store_index = {"tenant": "by_tenant", "owner": "by_owner"}[index]
        binding = hashlib.sha256(
            json.dumps(
                [store_index, filters.status, filters.owner_type, filters.owner_id, environment]
            ).encode()
        ).hexdigest()[:16]
        return Listing(
            index=index,  # type: ignore[arg-type]
            partition=partition,
            now=self.now(),
            binding=binding,
            status=filters.status,
            environment_id=environment,
            owner_type=owner_type,
            owner_id=owner_id,
        )
