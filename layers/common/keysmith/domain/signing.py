"""What the domain asks of JWT signing keys: a ``Signer`` to mint JWT keys with, and ``PublicKeys``
to check them against. ``keysmith.signing`` implements both (AWS KMS, or a local ES256 key file).

A signature is ES256 as JWS writes it: the 64 bytes ``r || s``, never DER.
"""

from __future__ import annotations

from typing import Any, Protocol

from keysmith.domain.ports import StoreUnavailable


class SigningUnavailable(StoreUnavailable):
    """The signing service throttled, failed or could not be reached: answered as a store fault
    (503 with Retry-After; the authorizer raises rather than guess)."""


class Signer(Protocol):
    """The current signing key."""

    @property
    def kid(self) -> str:
        """The key id that goes into a JWT's header and the JWKS."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The ES256 signature of ``message`` (SHA-256, P-256) as 64 bytes ``r || s``."""
        ...


class PublicKeys(Protocol):
    """The public halves of the signing keys this deploy trusts (the current one and the previous
    ones still listed)."""

    def trusts(self, kid: str) -> bool:
        """True when ``kid`` names a trusted signing key (no I/O)."""
        ...

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` (64 bytes ``r || s``) is the ES256 signature of ``message`` by
        the key ``kid``."""
        ...

    def jwks(self) -> dict[str, Any]:
        """``{"keys": [...]}``: each trusted key as a JWK (kid, kty, crv, x, y, alg, use)."""
        ...
