"""Keysmith's Python client: typed results, typed errors, retries, paging and SigV4 for the internal API."""

from __future__ import annotations

__version__ = "0.1.0"

from .audit import AuditEvent, AuditPage, FieldChange
from .client import UNSET, Keysmith
from .errors import (
    ClientError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InternalError,
    KeysmithError,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServerError,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
    ValidationError,
)
from .models import ApiKey, CreatedApiKey, KeyPage, Principal, VerifiedKey, VerifyResult, Whoami
from .restrictions import Credits, RateLimit, RateLimitState, Refill
from .transport import RetryPolicy, SigV4Signer

__all__ = [
    "UNSET",
    "ApiKey",
    "AuditEvent",
    "AuditPage",
    "ClientError",
    "Conflict",
    "ConnectionFailed",
    "CreatedApiKey",
    "Credits",
    "FieldChange",
    "Forbidden",
    "InternalError",
    "KeyPage",
    "Keysmith",
    "KeysmithError",
    "MalformedRequest",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "Principal",
    "RateLimit",
    "RateLimitState",
    "Refill",
    "RetryPolicy",
    "ServerError",
    "SigV4Signer",
    "TooManyRequests",
    "Unauthenticated",
    "Unavailable",
    "UnsupportedMediaType",
    "ValidationError",
    "VerifiedKey",
    "VerifyResult",
    "Whoami",
    "__version__",
]
