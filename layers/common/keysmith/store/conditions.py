"""DynamoDB condition expressions, rendered from the domain's decisions: who may see a key
(``policy.visible``) and which statuses an action needs (the ``status_machine`` table). Each returns
(expression, names, values) with exactly the values it uses.
"""

from __future__ import annotations

import re
from typing import Any

from keysmith.domain.api_key import owner_key
from keysmith.domain.ports import Change
from keysmith.domain.principals import Principal
from keysmith.domain.status_machine import ACTIVE, EXPIRED, REVOKED, SUSPENDED, Action
from keysmith.store.items import number

# "Not expired", with the clock as a value: reads never trust TTL, and neither do writes.
LIVE = "(attribute_not_exists(expires_at) OR expires_at > :now)"
_PLACEHOLDER = re.compile(r":[A-Za-z_][A-Za-z0-9_]*")
_STATUS_VALUES = {ACTIVE: ":active", SUSPENDED: ":suspended", REVOKED: ":revoked"}

Expression = tuple[str, dict[str, str], dict[str, Any]]


def visibility(principal: Principal) -> Expression:
    """``policy.visible`` as a condition, so a change is one conditional write with no read."""
    values: dict[str, Any] = {}
    if principal.is_admin:
        parts = ["tenant_id = :vis_tenant"]
        values[":vis_tenant"] = {"S": principal.tenant_id}
    else:
        parts = ["owner_key = :vis_owner"]
        values[":vis_owner"] = {"S": owner_key(principal.tenant_id, principal.owner_type, principal.owner_id)}
    if principal.environment_id is not None:
        parts.append("environment_id = :vis_env")
        values[":vis_env"] = {"S": principal.environment_id}
    return " AND ".join(parts), {}, values


def _one_of(statuses: list[str]) -> str:
    if len(statuses) == 1:
        return f"#status = {_STATUS_VALUES[statuses[0]]}"
    return f"#status IN ({', '.join(_STATUS_VALUES[s] for s in statuses)})"


def status_condition(action: Action) -> str:
    """The stored status and expiry ``action`` needs, from its row in the status machine.

    Expired is derived from ``:now``: a live status (active, suspended) counts only while the key
    has not expired; a revoked key stays revoked whatever its expiry.
    """
    stored = [s for s in (ACTIVE, SUSPENDED, REVOKED) if s in action.statuses]
    live = [s for s in stored if s != REVOKED]
    if EXPIRED in action.statuses:
        expired = (
            "expires_at <= :now" if REVOKED in stored else "(#status <> :revoked AND expires_at <= :now)"
        )
        condition = f"{_one_of(stored)} OR {expired}" if stored else expired
    elif live and REVOKED in stored:
        condition = f"#status = :revoked OR ({_one_of(live)} AND {LIVE})"
    elif live:
        condition = f"{_one_of(live)} AND {LIVE}"
    else:
        condition = _one_of(stored)
    if action.needs_no_successor:
        condition += " AND attribute_not_exists(rotated_to)"
    return condition


def expiry_only_shrinks(change: Change) -> str:
    """Rule 7 as a condition: the stored expiry is at least the new one (a key without one has
    nothing to lengthen); removing the expiry is lengthening it. "rotated" applies it to a key that
    has a successor only."""
    if "expires_at" in change.sets:
        shrinks = "attribute_not_exists(expires_at) OR expires_at >= :new_expiry"
    else:
        shrinks = "attribute_not_exists(expires_at)"
    if change.expiry_only_shrinks == "rotated":
        return f"attribute_not_exists(rotated_to) OR {shrinks}"
    return shrinks


def change_condition(change: Change) -> Expression:
    """visible AND the action's status condition [AND the version read] [AND the lifetime bound]
    [AND rule 7's bounds] [AND the credits left as read]."""
    expression, names, values = visibility(change.principal)
    parts = [expression, status_condition(change.action)]
    candidates: dict[str, Any] = {
        ":now": number(change.now),
        ":active": {"S": ACTIVE},
        ":suspended": {"S": SUSPENDED},
        ":revoked": {"S": REVOKED},
    }
    if change.read_version is not None:
        parts.append("#version = :read_version")
        candidates[":read_version"] = {"N": str(change.read_version)}
        names["#version"] = "version"
    if change.created_not_before is not None:
        parts.append("created_at >= :earliest")
        candidates[":earliest"] = number(change.created_not_before)
    if change.expiry_only_shrinks is not None:
        parts.append(expiry_only_shrinks(change))
        if "expires_at" in change.sets:
            candidates[":new_expiry"] = number(change.sets["expires_at"])
    if change.starts_before_expiry and "not_before" in change.sets:
        parts.append("attribute_not_exists(expires_at) OR expires_at > :new_not_before")
        candidates[":new_not_before"] = number(change.sets["not_before"])
    elif change.starts_before_expiry and "expires_at" in change.sets:
        parts.append("attribute_not_exists(not_before) OR not_before < :new_expiry")
        candidates[":new_expiry"] = number(change.sets["expires_at"])
    if change.credits_read is not None:
        counter, count = change.credits_read
        names["#credits_read"] = counter
        if count is None:
            parts.append("attribute_not_exists(#credits_read)")
        else:
            parts.append("#credits_read = :credits_read")
            candidates[":credits_read"] = {"N": str(count)}
    used = set(_PLACEHOLDER.findall(" ".join(parts[1:])))
    values.update({name: value for name, value in candidates.items() if name in used})
    names["#status"] = "status"
    return " AND ".join(f"({part})" for part in parts), names, values
