"""How a request reaches the API: ``Connection`` (a request sent and retried), the internal API's
acting-as header, loopback URLs, the retry policy (jittered exponential back-off after
``Retry-After``) and SigV4 signing with botocore."""

from __future__ import annotations

import ipaddress
import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote, urlencode, urlsplit

import requests

from . import __version__
from .errors import ConnectionFailed, KeysmithError, ServerError, error_from_response

if TYPE_CHECKING:
    from botocore.credentials import Credentials

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3
TENANT_HEADER = "Keysmith-Tenant"
ACT_AS_HEADER = "Keysmith-Act-As"
RETRIED_STATUSES = (429, 503)
ACT_AS_KINDS = ("user", "service_account")
SIGV4_SERVICE = "execute-api"


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


class Connection:
    """One API's base URL, credential (a Bearer token, or SigV4 with the internal API's
    ``Keysmith-Tenant`` / ``Keysmith-Act-As``), and ``_request``: a request sent, and sent again
    as the retry policy allows."""

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

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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


def json_object(response: requests.Response) -> dict[str, Any]:
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
