"""RFC 9457 problem details: the slug catalogue and the domain exception. ``keysmith.http.answers``
turns a problem into an HTTP answer, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_PREFIX = "urn:keysmith:problem:"

# slug -> (status, fixed title)
CATALOGUE: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "unauthenticated": (401, "Unauthenticated"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-error": (422, "Validation error"),
    "unavailable": (503, "Service unavailable"),
    "internal": (500, "Internal error"),
}

RETRY_AFTER_SECONDS = 1


@dataclass
class Problem(Exception):
    """A domain error with its problem slug; raised anywhere, answered in one place."""

    slug: str
    detail: str
    errors: list[dict[str, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.slug not in CATALOGUE:
            raise ValueError(f"unknown problem slug {self.slug!r}")
        super().__init__(self.detail)

    @property
    def status(self) -> int:
        return CATALOGUE[self.slug][0]


def unauthenticated(detail: str) -> Problem:
    return Problem("unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="keysmith"'})


def unavailable(detail: str = "The key store is busy or unreachable; retry shortly.") -> Problem:
    return Problem("unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def not_found(detail: str = "No such API key.") -> Problem:
    return Problem("not-found", detail)
