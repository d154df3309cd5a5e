"""Who is calling: a session (a person, from a JWT), an API key (acting as its owner), or a trusted
backend (an AWS IAM principal on the internal API, acting as the tenant's admin or as the user or
service account it names)."""

from __future__ import annotations

from dataclasses import dataclass

SESSION, API_KEY, TRUSTED_BACKEND = "session", "api_key", "trusted_backend"
USER, SERVICE_ACCOUNT = "user", "service_account"
ADMIN_ROLE = "admin"
IAM = "iam"  # the owner and creator type of a trusted backend acting as itself (its IAM ARN)


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # SESSION, API_KEY or TRUSTED_BACKEND
    tenant_id: str
    owner_type: str  # whom the caller acts as: USER for sessions, the key's owner type for keys
    owner_id: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] | None = None  # None: every scope (sessions)
    key_id: str | None = None
    environment_id: str | None = None  # an environment-restricted key acts only inside it
    iam_arn: str | None = None  # a trusted backend's IAM caller (requestContext.authorizer.iam.userArn)

    @property
    def is_admin(self) -> bool:
        return self.kind in (SESSION, TRUSTED_BACKEND) and ADMIN_ROLE in self.roles

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def creator(self) -> tuple[str, str]:
        """How ``created_by`` records this caller: the user, the API key that made the call, or the
        trusted backend's IAM ARN (whomever it acts as)."""
        if self.kind == API_KEY and self.key_id is not None:
            return API_KEY, self.key_id
        if self.kind == TRUSTED_BACKEND and self.iam_arn is not None:
            return IAM, self.iam_arn
        return self.owner_type, self.owner_id

    @property
    def idempotency_scope(self) -> tuple[str, str]:
        """Whose ``Idempotency-Key`` values these are: the creator, and for a trusted backend also
        whom it acts as (one backend acting for two users has two namespaces)."""
        kind, caller = self.creator
        if self.kind == TRUSTED_BACKEND:
            return kind, f"{caller}>{self.owner_type}:{self.owner_id}"
        return kind, caller
