"""The placeholders of ``make invoke``'s event files, for what cannot be written down ahead of time:

- ``{{session:<user>:<tenant>}}`` or ``{{session:<user>:<tenant>:<role>,<role>}}``: a freshly minted
  local session JWT (typically after ``Bearer ``).
- ``{{key:<label>}}`` or ``{{key:<label>:<field>}}`` or ``{{key:<label>:<field>:<status>}}``: a key
  created for this invocation (as the event's first session, else ``u_local`` in tenant ``local``)
  with every allowed scope, then brought to ``<status>`` (``active``, ``suspended`` or
  ``revoked``). ``<field>`` is ``id`` (the default) or ``secret`` (the plaintext). Every mention of
  one label is the same key.

Reading and substituting only: minting sessions and making keys is the caller's (``local.invocation``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


class InvokeError(RuntimeError):
    """The invocation could not be set up (unknown function, bad placeholder, failed key set-up...)."""


PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+):([^{}]*?)\s*\}\}")
KEY_FIELDS = ("id", "secret")
KEY_STATUSES = ("active", "suspended", "revoked")
SAFE_VALUE = re.compile(r"[A-Za-z0-9._\-]+")


@dataclass(frozen=True, slots=True)
class SessionSpec:
    user_id: str
    tenant_id: str
    roles: tuple[str, ...] = ()

    @classmethod
    def parse(cls, argument: str) -> SessionSpec:
        parts = argument.split(":")
        if len(parts) not in (2, 3) or not all(parts[:2]):
            raise InvokeError(f"{{{{session:{argument}}}}}: write {{{{session:<user>:<tenant>[:<roles>]}}}}")
        roles = tuple(r.strip() for r in parts[2].split(",") if r.strip()) if len(parts) == 3 else ()
        return cls(parts[0], parts[1], roles)


DEFAULT_OWNER = SessionSpec("u_local", "local")


@dataclass(slots=True)
class KeyPlan:
    label: str
    status: str = "active"
    fields: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    id: str
    secret: str


def parse_key(argument: str) -> tuple[str, str, str | None]:
    """``<label>[:<field>[:<status>]]`` -> (label, field, status or None)."""
    parts = argument.split(":")
    label = parts[0]
    key_field = parts[1] if len(parts) > 1 else "id"
    status = parts[2] if len(parts) > 2 else None
    if not label or len(parts) > 3 or key_field not in KEY_FIELDS or status not in (None, *KEY_STATUSES):
        raise InvokeError(
            f"{{{{key:{argument}}}}}: write {{{{key:<label>[:<field>[:<status>]]}}}} with field"
            f" {' or '.join(KEY_FIELDS)} and status {' or '.join(KEY_STATUSES)}"
        )
    return label, key_field, status


def placeholders(text: str) -> tuple[list[SessionSpec], dict[str, KeyPlan]]:
    """The sessions (in order of appearance) and keys an event's text asks for."""
    sessions: list[SessionSpec] = []
    keys: dict[str, KeyPlan] = {}
    for match in PLACEHOLDER.finditer(text):
        kind, argument = match.group(1), match.group(2)
        if kind == "session":
            sessions.append(SessionSpec.parse(argument))
        elif kind == "key":
            label, key_field, status = parse_key(argument)
            plan = keys.setdefault(label, KeyPlan(label))
            if status is not None and plan.status != "active" and plan.status != status:
                raise InvokeError(f"key {label!r} is asked for as both {plan.status} and {status}")
            if status is not None and status != "active":
                plan.status = status
            plan.fields.add(key_field)
        else:
            raise InvokeError(
                f"unknown placeholder {match.group(0)}: use {{{{session:...}}}} or {{{{key:...}}}}"
            )
    return sessions, keys


def render(
    text: str,
    mint: Callable[[SessionSpec], str],
    make_key: Callable[[KeyPlan, SessionSpec], CreatedKey],
) -> str:
    """The event text with every placeholder replaced: sessions minted, keys made (as the first session)."""
    sessions, plans = placeholders(text)
    owner = sessions[0] if sessions else DEFAULT_OWNER
    tokens = {spec: mint(spec) for spec in dict.fromkeys(sessions)}
    keys = {label: make_key(plan, owner) for label, plan in plans.items()}

    def replace(match: re.Match[str]) -> str:
        kind, argument = match.group(1), match.group(2)
        if kind == "session":
            value = tokens[SessionSpec.parse(argument)]
        else:
            label, key_field, _ = parse_key(argument)
            value = getattr(keys[label], key_field)
        if not SAFE_VALUE.fullmatch(value):  # it lands inside JSON strings (even JSON in JSON)
            raise InvokeError(f"{match.group(0)} produced a value that is unsafe to substitute")
        return value

    return PLACEHOLDER.sub(replace, text)
