"""The Keysmith client: one class for the public API (Bearer) and the internal API (SigV4).

Retries. A 503 ``unavailable`` (and API Gateway's 429) means the request was not carried out: it is
sent again after the answer's ``Retry-After`` plus a jittered exponential back-off, at most
``max_retries`` times. A connection failure or time-out leaves it unknown whether the request was
carried out, so it is retried only where a repeat is harmless: GET, and a create, which always
carries an ``Idempotency-Key`` (made once per call, so every attempt of one call uses the same).
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from . import __version__
from .errors import (
    ConnectionFailed,
    KeysmithError,
    ServerError,
    error_from_response,
)
from .models import (
    ApiKey,
    CreatedApiKey,
    KeyPage,
    LocalSession,
    VerifyResult,
    Whoami,
    format_time,
    parse_time,
)

if TYPE_CHECKING:
    from botocore.credentials import Credentials

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3
TENANT_HEADER = "Keysmith-Tenant"
ACT_AS_HEADER = "Keysmith-Act-As"
ACT_AS_KINDS = ("user", "service_account")
SIGV4_SERVICE = "execute-api"
RETRIED_STATUSES = (429, 503)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""For :meth:`Keysmith.update_key`: leave the field as it is (None removes where the API allows)."""


def parse_act_as(value: str) -> tuple[str, str]:
    """``user:<id>`` or ``service_account:<id>`` as (kind, id); ValueError otherwise."""
    kind, _, ident = value.partition(":")
    if kind not in ACT_AS_KINDS or not ident:
        raise ValueError(f"act-as must be user:<id> or service_account:<id>, not {value!r}")
    return kind, ident


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this machine (the local server), where nothing checks a signature."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: attempt ``n`` (0-based) of a retry waits ``Retry-After``
    (when the answer has one) plus a random share of ``base * 2**n``, capped at ``cap`` seconds of
    back-off. An answer asking for more than ``max_wait`` seconds is not waited for: it is raised."""

    max_retries: int = DEFAULT_MAX_RETRIES
    base: float = 0.2
    cap: float = 5.0
    max_wait: float = 60.0

    def delay(
        self, attempt: int, retry_after: float | None, rand: Callable[[], float] = random.random
    ) -> float:
        backoff = min(self.cap, self.base * (1 << attempt)) * rand()
        return float(retry_after or 0.0) + backoff


class SigV4Signer:
    """Signs requests for the internal API with AWS Signature Version 4 (service ``execute-api``).

    ``credentials`` are botocore credentials; without them, botocore's default chain is asked
    (environment, shared files, SSO, instance or container role). The region: ``region``, else
    ``$AWS_REGION``, else botocore's (``$AWS_DEFAULT_REGION``, the profile's ``region``).
    """

    def __init__(self, region: str | None = None, credentials: Credentials | None = None) -> None:
        import botocore.session

        session = botocore.session.get_session()
        found = credentials if credentials is not None else session.get_credentials()
        if found is None:
            raise KeysmithError(
                "no AWS credentials found (environment, ~/.aws, SSO or a role) to sign the internal API call"
            )
        self.credentials: Credentials = found
        self.region: str = region or os.environ.get("AWS_REGION") or session.get_config_variable("region")
        if not self.region:
            raise KeysmithError("no AWS region for the internal API: pass --region or set AWS_REGION")

    def headers(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        """``headers`` plus ``Authorization``, ``X-Amz-Date`` (and the session token) for this request."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(self.credentials, SIGV4_SERVICE, self.region).add_auth(request)
        return dict(request.headers.items())


class Keysmith:
    """A client for one Keysmith API.

    Public API: ``Keysmith("https://.../", token=...)`` with a session JWT or an API key.
    Internal API: ``Keysmith.internal("https://.../", tenant="acme", act_as="user:u_1")``, signed with
    the AWS credentials botocore finds (or ``signer=None`` for the local server's ``/internal``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        signer: SigV4Signer | None = None,
        tenant: str | None = None,
        act_as: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str | None = None,
    ) -> None:
        if act_as is not None:
            parse_act_as(act_as)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.signer = signer
        self.tenant = tenant
        self.act_as = act_as
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.http = session or requests.Session()
        self.sleep = sleep
        self.user_agent = (
            user_agent or f"keysmith-client/{__version__} python-requests/{requests.__version__}"
        )

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

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Keysmith:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> CreatedApiKey:
        """Create a key; the answer's ``key`` is its plaintext, given this once.

        Every call sends an ``Idempotency-Key`` (a new UUID unless given), so its retries never make
        a second key. A replay (the same ``idempotency_key`` as an earlier create) has ``key`` None.
        """
        body: dict[str, Any] = {"name": name}
        optional = {
            "scopes": scopes,
            "description": description,
            "expires_at": format_time(expires_at) if expires_at is not None else None,
            "expires_in_seconds": expires_in_seconds,
            "service_account_id": service_account_id,
            "environment_id": environment_id,
            "metadata": metadata,
        }
        body.update({field: value for field, value in optional.items() if value is not None})
        body.update(extra)
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        response = self._request("POST", "/v1/api-keys", body=body, headers=headers, idempotent=True)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        return CreatedApiKey.from_answer(_json_object(response), replayed=replayed)

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
        return KeyPage.from_json(_json_object(response))

    def iter_keys(self, *, page_size: int | None = None, **filters: Any) -> Iterator[ApiKey]:
        """Every key the caller may see, following ``next_cursor`` page after page."""
        cursor: str | None = None
        while True:
            page = self.list_keys(limit=page_size, cursor=cursor, **filters)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def get_key(self, key_id: str) -> ApiKey:
        return ApiKey.from_json(_json_object(self._request("GET", _key_path(key_id))))

    def update_key(
        self,
        key_id: str,
        *,
        name: str = UNSET,
        description: str | None = UNSET,
        scopes: list[str] = UNSET,
        metadata: dict[str, str] = UNSET,
        expires_at: datetime | str | None = UNSET,
        **extra: Any,
    ) -> ApiKey:
        """Change only the fields given; ``description=None`` removes it, ``expires_at=None`` the expiry."""
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
        if expires_at is not UNSET:
            body["expires_at"] = None if expires_at is None else format_time(expires_at)
        body.update(extra)
        return ApiKey.from_json(_json_object(self._request("PATCH", _key_path(key_id), body=body)))

    def suspend_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "suspend")

    def activate_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "activate")

    def revoke_key(self, key_id: str) -> ApiKey:
        return self._action(key_id, "revoke")

    def rotate_key(self, key_id: str, *, grace_period_seconds: int | None = None) -> CreatedApiKey:
        """A successor with a new secret; the old key is revoked now, or after the grace period."""
        body = {} if grace_period_seconds is None else {"grace_period_seconds": grace_period_seconds}
        response = self._request("POST", _key_path(key_id) + "/rotate", body=body)
        return CreatedApiKey.from_answer(_json_object(response), replayed=False)

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
    ) -> VerifyResult:
        """Check a key presented to the caller's own service (an internal-API route when deployed).

        Never retried after a lost connection: a verification may spend a credit or a rate-limit slot.
        """
        body: dict[str, Any] = {"key": key}
        optional = {
            "required_scopes": required_scopes,
            "environment_id": environment_id,
            "client_ip": client_ip,
            "user_agent": user_agent,
        }
        body.update({field: value for field, value in optional.items() if value is not None})
        return VerifyResult.from_json(_json_object(self._request("POST", "/v1/verify", body=body)))

    def whoami(self) -> Whoami:
        """The API key this client authenticates with (``GET /v1/whoami`` takes API keys only)."""
        return Whoami.from_json(_json_object(self._request("GET", "/v1/whoami")))

    def local_session(self, user_id: str, tenant_id: str, roles: list[str] | None = None) -> LocalSession:
        """A session JWT from the local development server (``POST /_local/sessions``)."""
        body: dict[str, Any] = {"user_id": user_id, "tenant_id": tenant_id}
        if roles:
            body["roles"] = roles
        data = _json_object(self._request("POST", "/_local/sessions", body=body, authenticate=False))
        token = data.get("token")
        if not isinstance(token, str):
            raise KeysmithError("the local server's session answer has no token", body=data)
        return LocalSession(token=token, expires_at=parse_time(data.get("expires_at")))

    # ------------------------------------------------------------------ transport
    def _action(self, key_id: str, action: str) -> ApiKey:
        return ApiKey.from_json(_json_object(self._request("POST", f"{_key_path(key_id)}/{action}")))

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        authenticate: bool = True,
    ) -> requests.Response:
        url = self.base_url + path
        pairs = [(name, str(value)) for name, value in (query or {}).items() if value is not None]
        if pairs:
            url += "?" + urlencode(pairs, quote_via=quote)
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        base_headers = {"Accept": "application/json, application/problem+json", "User-Agent": self.user_agent}
        if body is not None:
            base_headers["Content-Type"] = "application/json"
        base_headers.update(headers or {})
        if authenticate:
            base_headers.update(self._credential_headers())
        safe_to_repeat = idempotent or method in ("GET", "HEAD")
        attempt = 0
        while True:
            send_headers = base_headers
            if authenticate and self.signer is not None:
                send_headers = self.signer.headers(method, url, base_headers, content)
            try:
                response = self.http.request(
                    method, url, data=content or None, headers=send_headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                failure = ConnectionFailed(f"{method} {path}: no answer from {self.base_url}: {error}")
                if not safe_to_repeat or attempt >= self.retry.max_retries:
                    raise failure from error
                self.sleep(self.retry.delay(attempt, None))
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            refusal = error_from_response(
                response.status_code, response.headers, response.content, method, path
            )
            if response.status_code not in RETRIED_STATUSES:
                raise refusal
            if attempt >= self.retry.max_retries or (refusal.retry_after or 0) > self.retry.max_wait:
                raise refusal
            self.sleep(self.retry.delay(attempt, refusal.retry_after))
            attempt += 1

    def _credential_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.tenant:
            headers[TENANT_HEADER] = self.tenant
        if self.act_as:
            headers[ACT_AS_HEADER] = self.act_as
        return headers


def _key_path(key_id: str) -> str:
    return "/v1/api-keys/" + quote(key_id, safe="")


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as error:
        raise ServerError(
            f"{response.request.method} {response.url}: {response.status_code} answer is not JSON",
            status=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
        ) from error
    if not isinstance(data, dict):
        raise ServerError(
            f"{response.request.method} {response.url}: {response.status_code} answer is not a JSON object",
            status=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
        )
    return data
