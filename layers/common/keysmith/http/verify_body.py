"""POST /v1/verify's body, read by hand: no pydantic on the verification path. Every broken field
rule is one ``errors`` entry of a 422."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from keysmith.domain.grammar import IDENTIFIER, IDENTIFIER_RULE, SCOPE, SCOPE_RULE
from keysmith.domain.problems import Problem
from keysmith.domain.restrictions import MAX_CREDITS

MAX_REQUIRED_SCOPES = 64
_VERIFY_FIELDS = frozenset({"key", "required_scopes", "environment_id", "client_ip", "user_agent", "cost"})
MAX_COST = MAX_CREDITS


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    key: str
    required_scopes: tuple[str, ...] = ()
    environment_id: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    cost: int = 1


def _error(errors: list[dict[str, str]], pointer: str, detail: str) -> None:
    errors.append({"pointer": pointer, "detail": detail})


def parse_verify_request(body: dict[str, Any]) -> VerifyRequest:
    """The verify body's field rules; every broken rule is one ``errors`` entry of a 422.

    ``key`` is any string (a string that is not a key is answered ``MALFORMED``, not refused);
    the optional fields accept null as absent.
    """
    errors: list[dict[str, str]] = []
    for name in body:
        if name not in _VERIFY_FIELDS:
            _error(errors, "/" + name.replace("~", "~0").replace("/", "~1"), "Unknown field.")
    key = body.get("key")
    if "key" not in body:
        _error(errors, "/key", "Required.")
    elif not isinstance(key, str):
        _error(errors, "/key", "Must be a string.")
    scopes = body.get("required_scopes")
    if scopes is not None:
        if not isinstance(scopes, list):
            _error(errors, "/required_scopes", "Must be an array of scope names.")
        elif len(scopes) > MAX_REQUIRED_SCOPES:
            _error(errors, "/required_scopes", f"At most {MAX_REQUIRED_SCOPES} scopes.")
        else:
            for i, scope in enumerate(scopes):
                if not isinstance(scope, str) or not SCOPE.fullmatch(scope):
                    _error(errors, f"/required_scopes/{i}", SCOPE_RULE)
    environment_id = body.get("environment_id")
    if environment_id is not None and (
        not isinstance(environment_id, str) or not IDENTIFIER.fullmatch(environment_id)
    ):
        _error(errors, "/environment_id", IDENTIFIER_RULE)
    client_ip = body.get("client_ip")
    if client_ip is not None:
        try:
            # No IPv6 zone id (``fe80::1%eth0``): it is free text, and no client address carries one.
            if not isinstance(client_ip, str) or "%" in client_ip:
                raise ValueError(client_ip)
            client_ip = str(ipaddress.ip_address(client_ip))
        except ValueError:
            _error(errors, "/client_ip", "Must be an IPv4 or IPv6 address (no zone id).")
    user_agent = body.get("user_agent")
    if user_agent is not None and not isinstance(user_agent, str):
        _error(errors, "/user_agent", "Must be a string.")
    cost = body.get("cost")
    if cost is None:
        cost = 1
    elif isinstance(cost, float) and cost.is_integer():
        cost = int(cost)
    if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= MAX_COST:
        _error(errors, "/cost", f"Must be a whole number from 0 to {MAX_COST}.")
    if errors:
        raise Problem("validation-error", "The request body breaks a field rule.", errors=errors)
    return VerifyRequest(
        key=str(key),
        required_scopes=tuple(scopes or ()),
        environment_id=environment_id,
        client_ip=client_ip,
        user_agent=user_agent,
        cost=int(cost),
    )
