"""Reading the audit trail: ``GET /v1/audit-events``, newest first, for what the caller may see.

Who sees what is the rule of listing keys, applied to the key as it was when each event happened
(its tenant, owner and environment are stamped on the event): an admin sees the tenant's events,
anyone else the events of keys they own (an environment-restricted API key, only that
environment's). So the owner of a deleted key still sees its history, and a key that changed
hands is shown to each owner for the events of their time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from keysmith.domain import policy
from keysmith.domain.api_key import owner_key
from keysmith.domain.audit import ACTIONS
from keysmith.domain.ports import AuditListing, AuditLog, AuditPage, BadCursor
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem
from keysmith.domain.query import cursor_problem


class AuditTrail:
    def __init__(self, log: AuditLog, now: Callable[[], float]) -> None:
        self.log = log
        self.now = now

    def list(
        self,
        principal: Principal,
        limit: int,
        cursor: str | None = None,
        key_id: str | None = None,
        action: str | None = None,
    ) -> AuditPage:
        policy.require_scope(principal, policy.READ)
        if action is not None and action not in ACTIONS:
            detail = f"Must be one of {', '.join(ACTIONS)}."
            raise Problem(
                "malformed-request",
                f"action must be one of {', '.join(ACTIONS)}.",
                errors=[{"pointer": "/action", "detail": detail}],
            )
        listing = self.listing(principal, key_id, action)
        try:
            return self.log.audit_page(listing, limit, cursor)
        except BadCursor as error:
            raise cursor_problem(error) from None

    @staticmethod
    def listing(principal: Principal, key_id: str | None, action: str | None) -> AuditListing:
        owner = (
            None
            if principal.is_admin
            else owner_key(principal.tenant_id, principal.owner_type, principal.owner_id)
        )
        filters = [owner, principal.environment_id, key_id, action]
        binding = hashlib.sha256(json.dumps(["audit", *filters]).encode()).hexdigest()[:16]
        return AuditListing(
            tenant_id=principal.tenant_id,
            binding=binding,
            owner_key=owner,
            environment_id=principal.environment_id,
            key_id=key_id,
            action=action,
        )
