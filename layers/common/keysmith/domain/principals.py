"""Who is calling: a session (a person, from a JWT) or an API key (acting as its owner)."""

from __future__ import annotations

from dataclasses import dataclass

SESSION, API_KEY = "session", "api_key"
USER, SERVICE_ACCOUNT = "user", "service_account"
ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # SESSION or API_KEY
    tenant_id: str
    owner_type: str  # whom the caller acts as: USER for sessions, the key's owner type for keys
    owner_id: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] | None = None  # None: every scope (sessions)
    key_id: str | None = None
    environment_id: str | None = None  # an environment-restricted key acts only inside it

    @property
    def is_admin(self) -> bool:
        return self.kind == SESSION and ADMIN_ROLE in self.roles

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def creator(self) -> tuple[str, str]:
        """How ``created_by`` records this caller: the user, or the API key that made the call."""
        if self.kind == API_KEY and self.key_id is not None:
            return API_KEY, self.key_id
        return self.owner_type, self.owner_id
