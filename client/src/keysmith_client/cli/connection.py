"""Which API a command talks to, with which credential: the public API with a Bearer token or
the internal API signed with the operator's AWS credentials."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any

from ..client import Keysmith
from ..config import SavedSession, load_session
from ..errors import KeysmithError
from ..transport import RetryPolicy, SigV4Signer, is_loopback_url, parse_act_as
from .exits import LocalFailure, UsageFailure

DEFAULT_URL = "http://127.0.0.1:3000"
INTERNAL_SUFFIX = "/internal"


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def saved_session() -> SavedSession | None:
    try:
        return load_session()
    except ValueError as error:
        raise LocalFailure(str(error)) from error


def connection_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if option(args, "timeout") is not None:
        options["timeout"] = args.timeout
    retries = option(args, "retries")
    if retries is not None:
        if retries < 0:
            raise UsageFailure("--retries must be 0 or more")
        options["retry"] = RetryPolicy(max_retries=retries)
    return options


def public_client(args: argparse.Namespace) -> Keysmith:
    """The public API with --token, $KEYSMITH_TOKEN or the saved login of the same URL."""
    if option(args, "internal"):
        return internal_client(args, tenant_required=True)
    for name in ("tenant", "act_as", "region"):
        if option(args, name):
            raise UsageFailure(f"--{name.replace('_', '-')} needs --internal")
    saved = saved_session()
    url = option(args, "url") or os.environ.get("KEYSMITH_URL") or (saved.url if saved else DEFAULT_URL)
    token = option(args, "token") or os.environ.get("KEYSMITH_TOKEN")
    if not token and saved and saved.url.rstrip("/") == url.rstrip("/"):
        check_not_expired(saved)
        token = saved.token
    if not token:
        raise LocalFailure(
            f"no credential for {url}: run `keysmith login --local --user ID --tenant ID`, "
            "or pass --token / set KEYSMITH_TOKEN"
        )
    return Keysmith(url, token=token, **connection_options(args))


def internal_client(args: argparse.Namespace, *, tenant_required: bool) -> Keysmith:
    """The internal API as a trusted backend: SigV4 with the operator's AWS credentials."""
    tenant = option(args, "tenant")
    act_as = option(args, "act_as")
    if tenant_required and not tenant:
        raise UsageFailure("--internal needs --tenant (the tenant to act in)")
    if act_as:
        try:
            parse_act_as(act_as)
        except ValueError as error:
            raise UsageFailure(str(error)) from error
    if option(args, "token"):
        raise UsageFailure("--token is for the public API; the internal API is signed with AWS credentials")
    url = option(args, "url") or os.environ.get("KEYSMITH_INTERNAL_URL")
    if not url:
        saved = saved_session()
        url = (saved.url if saved else DEFAULT_URL).rstrip("/") + INTERNAL_SUFFIX
    sign = option(args, "sign") or "auto"
    signer = None
    if sign == "always" or (sign == "auto" and not is_loopback_url(url)):
        region = (
            option(args, "region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        )
        try:
            signer = SigV4Signer(region)
        except KeysmithError as error:
            raise LocalFailure(str(error)) from error
    return Keysmith(url, signer=signer, tenant=tenant, act_as=act_as, **connection_options(args))


def check_not_expired(saved: SavedSession) -> None:
    if not saved.expires_at:
        return
    try:
        expires = datetime.fromisoformat(saved.expires_at.replace("Z", "+00:00"))
    except ValueError:
        return
    if expires <= datetime.now(UTC):
        raise LocalFailure(
            f"the saved session of {saved.user_id} expired at {saved.expires_at}; "
            "run `keysmith login --local ...` again"
        )
