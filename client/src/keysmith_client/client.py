"""The Keysmith client: one class for the public API (Bearer) and the internal API (SigV4), a method
per operation of the API (how a request is sent and retried is :mod:`.transport`'s).

Retries. A 503 ``unavailable`` (and API Gateway's 429) means the request was not carried out: it is
sent again after the answer's ``Retry-After`` plus a jittered exponential back-off, at most
``max_retries`` times. A connection failure or time-out leaves it unknown whether the request was
carried out, so it is retried only where a repeat is harmless: GET, and a create, which always
carries an ``Idempotency-Key`` (made once per call, so every attempt of one call uses the same).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .audit import AuditEvent, AuditPage
from .errors import KeysmithError
from .models import ApiKey, CreatedApiKey, KeyPage, LocalSession, VerifyResult, Whoami, every_item
from .restrictions import Credits, RateLimit
from .times import format_time, parse_time
from .transport import Connection, SigV4Signer, json_object

if TYPE_CHECKING:
    from botocore.credentials import Credentials


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""For :meth:`Keysmith.update_key`: leave the field as it is (None removes where the API allows)."""


class Keysmith(Connection):
    """A client for one Keysmith API.

    Public API: ``Keysmith("https://.../", token=...)`` with a session JWT or an API key.
    Internal API: ``Keysmith.internal("https://.../", tenant="acme", act_as="user:u_1")``, signed with
    the AWS credentials botocore finds (or ``signer=None`` for the local server's ``/internal``).
    """

    @classmethod
    def internal(
        cls,
        base_url: str,
        *,
        tenant: str | None,
        act_as: str | None = None,
        region: str | None = None,
        credentials: Credentials | None = None,
        sign: bool = True,
        **options: Any,
    ) -> Keysmith:
        """A client for the internal API acting in ``tenant`` (as its admin, or as ``act_as``).

        ``tenant`` may be None only for :meth:`verify`, which needs none. ``sign=False`` sends no
        signature (the local server's ``/internal`` routes check none).
        """
        signer = SigV4Signer(region, credentials) if sign else None
        return cls(base_url, signer=signer, tenant=tenant, act_as=act_as, **options)

    # ------------------------------------------------------------------ keys
    def create_key(
        self,
        name: str,
        *,
        scopes: list[str] | None = None,
        description: str | None = None,
        expires_at: datetime | str | None = None,
        expires_in_seconds: int | None = None,
        service_account_id: str | None = None,
        environment_id: str | None = None,
        metadata: dict[str, str] | None = None,
        format: str | None = None,
        allowed_ips: list[str] | None = None,
        not_before: datetime | str | None = None,
        rate_limit: RateLimit | None = None,
        credits: Credits | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> CreatedApiKey:
        """Create a key; the answer's ``key`` is its plaintext, given this once.

        ``format`` is ``opaque`` or ``jwt`` (absent: the deploy's default). ``allowed_ips`` (CIDR
        ranges), ``not_before``, ``rate_limit`` and ``credits`` restrict where, from when and how often
        the key verifies as valid.

        Every call sends an ``Idempotency-Key`` (a new UUID unless given), so its retries never make
        a second key. A replay (the same ``idempotency_key`` as an earlier create) has ``key`` None.
        """
        body = _given(
            name=name,
            scopes=scopes,
            description=description,
            expires_at=format_time(expires_at) if expires_at is not None else None,
            expires_in_seconds=expires_in_seconds,
            service_account_id=service_account_id,
            environment_id=environment_id,
            metadata=metadata,
            format=format,
            allowed_ips=allowed_ips,
            not_before=format_time(not_before) if not_before is not None else None,
            rate_limit=rate_limit.to_json() if rate_limit is not None else None,
            credits=credits.to_json() if credits is not None else None,
        )
        body.update(extra)
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        response = self._request("POST", "/v1/api-keys", body=body, headers=headers, idempotent=True)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        return CreatedApiKey.from_answer(json_object(response), replayed=replayed)

    def list_keys(
        self,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        status: str | None = None,
        owner_type: str | None = None,
        owner_id: str | None = None,
        environment_id: str | None = None,
    ) -> KeyPage:
        """One page of the keys the caller may see, newest first."""
        query = {
            "limit": limit,
            "cursor": cursor,
            "status": status,
            "owner_type": owner_type,
            "owner_id": owner_id,
            "environment_id": environment_id,
        }
        response = self._request("GET", "/v1/api-keys", query=query)
        return KeyPage.from_json(json_object(response))

    def iter_keys(self, *, page_size: int | None = None, **filters: Any) -> Iterator[ApiKey]:
        """Every key the caller may see, following ``next_cursor`` page after page."""
        return every_item(lambda cursor: self.list_keys(limit=page_size, cursor=cursor, **filters))

    # ------------------------------------------------------------------ audit trail
    def list_audit_events(
        self,
        *,
        key_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> AuditPage:
        """One page of the audit events the caller may see, newest first."""
        query = {"key_id": key_id, "action": action, "limit": limit, "cursor": cursor}
        return AuditPage.from_json(json_object(self._request("GET", "/v1/audit-events", query=query)))

    def audit_events(
        self, *, key_id: str | None = None, action: str | None = None, page_size: int | None = None
    ) -> Iterator[AuditEvent]:
        """Every audit event the caller may see (of ``key_id``, of ``action``), newest first,
        following ``next_cursor`` page after page (``page_size``: 1-100 per request)."""
        return every_item(
            lambda cursor: self.list_audit_events(
                key_id=key_id, action=action, limit=page_size, cursor=cursor
            )
        )

    def get_key(self, key_id: str) -> ApiKey:
        return ApiKey.from_json(json_object(self._request("GET", _key_path(key_id))))

    def update_key(
        self,
        key_id: str,
        *,
        name: str = UNSET,
        description: str | None = UNSET,
        scopes: list[str] = UNSET,
        metadata: dict[str, str] = UNSET,
        expires_at: datetime | str | None = UNSET,
        allowed_ips: list[str] = UNSET,
        not_before: datetime | str | None = UNSET,
        rate_limit: RateLimit | None = UNSET,
        credits: Credits | None = UNSET,
        **extra: Any,
    ) -> ApiKey:
        """Change only the fields given; ``description=None`` removes it, ``expires_at=None`` the expiry.

        ``allowed_ips=[]`` lifts the address restriction; ``not_before=None``, ``rate_limit=None`` and
        ``credits=None`` remove theirs. ``credits`` replaces the whole object (``remaining`` and
        ``refill``).
        """
        body: dict[str, Any] = {
            field: value
            for field, value in {
                "name": name,
                "description": description,
                "scopes": scopes,
                "metadata": metadata,
            }.items()
            if value is not UNSET
        }
        if allowed_ips is not UNSET:
            body["allowed_ips"] = allowed_ips
        for field, time_value in (("expires_at", expires_at), ("not_before", not_before)):
            if time_value is not UNSET:
                body[field] = None if time_value is None else format_time(time_value)
        for field, limit in (("rate_limit", rate_limit), ("credits", credits)):
            if limit is not UNSET:
                body[field] = None if limit is None else limit.to_json()
        body.update(extra)
        return ApiKey.from_json(json_object(self._request("PATCH", _key_path(key_id), body=body)))

    def suspend_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "suspend")

    def activate_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "activate")

    def revoke_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "revoke")

    def rotate_key(
        self, key_id: str, *, grace_period_seconds: int | None = None, format: str | None = None
    ) -> CreatedApiKey:
        """A successor with a new secret; the old key is revoked now, or after the grace period.

        The successor keeps the old key's format unless ``format`` (``opaque`` or ``jwt``) says otherwise.
        """
        body = _given(grace_period_seconds=grace_period_seconds, format=format)
        response = self._request("POST", _key_path(key_id) + "/rotate", body=body)
        return CreatedApiKey.from_answer(json_object(response), replayed=False)

    def delete_key(self, key_id: str) -> None:
        """Remove a suspended, revoked or expired key (an active one is 409 :class:`Conflict`)."""
        self._request("DELETE", _key_path(key_id))

    # ------------------------------------------------------------------ verification and identity
    def verify(
        self,
        key: str,
        *,
        required_scopes: list[str] | None = None,
        environment_id: str | None = None,
        client_ip: str | None = None,
        user_agent: str | None = None,
        cost: int | None = None,
    ) -> VerifyResult:
        """Check a key presented to the caller's own service (an internal-API route when deployed).

        ``cost`` is the credits a valid verification spends (the API's default 1; 0 checks without
        spending). Never retried after a lost connection: a verification may spend a credit or a
        rate-limit slot.
        """
        body = _given(
            key=key,
            required_scopes=required_scopes,
            environment_id=environment_id,
            client_ip=client_ip,
            user_agent=user_agent,
            cost=cost,
        )
        return VerifyResult.from_json(json_object(self._request("POST", "/v1/verify", body=body)))

    def whoami(self) -> Whoami:
        """The API key this client authenticates with (``GET /v1/whoami`` takes API keys only)."""
        return Whoami.from_json(json_object(self._request("GET", "/v1/whoami")))

    def local_session(self, user_id: str, tenant_id: str, roles: list[str] | None = None) -> LocalSession:
        """A session JWT from the local development server (``POST /_local/sessions``)."""
        body: dict[str, Any] = {"user_id": user_id, "tenant_id": tenant_id}
        if roles:
            body["roles"] = roles
        data = json_object(self._request("POST", "/_local/sessions", body=body, authenticate=False))
        token = data.get("token")
        if not isinstance(token, str):
            raise KeysmithError("the local server's session answer has no token", body=data)
        return LocalSession(token=token, expires_at=parse_time(data.get("expires_at")))

    # ------------------------------------------------------------------ transport
    def _action(self, key_id: str, action: str) -> ApiKey:
        return ApiKey.from_json(json_object(self._request("POST", f"{_key_path(key_id)}/{action}")))


def _given(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: the API reads an absent optional field as its default."""
    return {name: value for name, value in fields.items() if value is not None}


def _key_path(key_id: str) -> str:
    return "/v1/api-keys/" + quote(key_id, safe="")
