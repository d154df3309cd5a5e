"""Deploy settings, read once from the environment (template.yaml sets them on every function)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from keysmith.domain.grammar import PREFIX, SCOPE


class SettingsError(ValueError):
    """A deploy setting has a value the service cannot run with."""


DEFAULT_ALLOWED_SCOPES = ("read", "write")
KEY_FORMATS = ("opaque", "jwt")
DEFAULT_KEY_ISSUER = "urn:keysmith:local"


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str
    token_prefix: str = "ks"  # noqa: S105 - the public key prefix, not a secret
    allowed_scopes: tuple[str, ...] = DEFAULT_ALLOWED_SCOPES
    max_key_lifetime_days: int = 0
    retention_days: int = 30
    audit_retention_days: int = 365
    jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    tenant_claim: str = "tenant_id"
    roles_claim: str = "roles"
    last_used_resolution_seconds: int = 60
    verify_cache_ttl_seconds: int = 0
    dynamodb_endpoint_url: str | None = None
    # JWT-format keys: the format of a key created without one, the signing key (a KMS key ARN,
    # or file:<path> in development), the previous ones still trusted, and the keys' issuer (iss).
    default_key_format: str = "opaque"
    signing_key: str = ""
    previous_signing_keys: tuple[str, ...] = ()
    key_issuer: str = DEFAULT_KEY_ISSUER

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def integer(name: str, default: int, minimum: int = 0) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}")
            return value

        prefix = env.get("TOKEN_PREFIX", "ks").strip() or "ks"
        if not PREFIX.fullmatch(prefix):
            raise SettingsError("TOKEN_PREFIX must match [a-z][a-z0-9_]{0,15}")
        scopes = tuple(
            s.strip()
            for s in env.get("ALLOWED_SCOPES", ",".join(DEFAULT_ALLOWED_SCOPES)).split(",")
            if s.strip()
        )
        if not scopes or any(not SCOPE.fullmatch(s) for s in scopes):
            raise SettingsError("ALLOWED_SCOPES must be a comma-separated list of scope names")
        key_format = env.get("DEFAULT_KEY_FORMAT", "").strip() or "opaque"
        if key_format not in KEY_FORMATS:
            raise SettingsError("DEFAULT_KEY_FORMAT must be opaque or jwt")
        table = env.get("TABLE_NAME", "").strip()
        if not table:
            raise SettingsError("TABLE_NAME is not set")
        return cls(
            table_name=table,
            token_prefix=prefix,
            allowed_scopes=tuple(dict.fromkeys(scopes)),
            max_key_lifetime_days=integer("MAX_KEY_LIFETIME_DAYS", 0),
            retention_days=integer("RETENTION_DAYS", 30),
            audit_retention_days=integer("AUDIT_RETENTION_DAYS", 365, minimum=1),
            jwks_url=env.get("JWKS_URL", "").strip(),
            jwt_issuer=env.get("JWT_ISSUER", "").strip(),
            jwt_audience=env.get("JWT_AUDIENCE", "").strip(),
            tenant_claim=env.get("TENANT_CLAIM", "tenant_id").strip() or "tenant_id",
            roles_claim=env.get("ROLES_CLAIM", "roles").strip() or "roles",
            last_used_resolution_seconds=integer("LAST_USED_RESOLUTION_SECONDS", 60),
            verify_cache_ttl_seconds=integer("VERIFY_CACHE_TTL_SECONDS", 0),
            dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL", "").strip() or None,
            default_key_format=key_format,
            signing_key=env.get("SIGNING_KEY", "").strip(),
            previous_signing_keys=tuple(
                k.strip() for k in env.get("PREVIOUS_SIGNING_KEYS", "").split(",") if k.strip()
            ),
            key_issuer=env.get("KEY_ISSUER", "").strip() or DEFAULT_KEY_ISSUER,
        )


@cache
def get_settings() -> Settings:
    """The settings of this process, read on first use. Tests call ``get_settings.cache_clear()``."""
    return Settings.from_env()
