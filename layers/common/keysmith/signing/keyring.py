"""The deploy's JWT signing keys: the current one (``SIGNING_KEY``) signs, it and the previous
ones still listed (``PREVIOUS_SIGNING_KEYS``) are trusted. A key is a KMS key ARN, or in
development ``file:<path>`` (a local PEM file, created when missing).

Nothing is fetched or loaded until a JWT key is first minted or presented; a signing key's public
half is fetched once per container (``kms:GetPublicKey``) and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

LOCAL_SCHEME = "file:"


class SigningKey(Protocol):
    @property
    def kid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...

    def public_der(self) -> bytes: ...


class NoSigningKey(Exception):
    """This deploy has no signing key, so it cannot mint JWT keys."""


def signing_key(reference: str, kms_client: Callable[[], Any] | None = None) -> SigningKey:
    """The signing key a reference names: ``file:<path>`` or a KMS key ARN."""
    if reference.startswith(LOCAL_SCHEME):
        from keysmith.signing.local_key import LocalKey

        return LocalKey(Path(reference[len(LOCAL_SCHEME) :]))
    from keysmith.signing import kms

    return kms.KmsKey(reference, kms_client or kms.default_client)


class Keyring:
    """``Signer`` (through ``signer()``) and ``PublicKeys`` for the keys a deploy names."""

    def __init__(
        self, current: str, previous: Sequence[str] = (), kms_client: Callable[[], Any] | None = None
    ) -> None:
        self.references = tuple(dict.fromkeys(r for r in (current, *previous) if r))
        self.current = current
        self._kms_client = kms_client
        self._keys: dict[str, SigningKey] | None = None  # kid -> key, in order: current first
        self._public: dict[str, Any] = {}  # kid -> es256.PublicKey, fetched once
        self._lock = threading.Lock()

    def _by_kid(self) -> dict[str, SigningKey]:
        if self._keys is None:
            keys = [signing_key(reference, self._kms_client) for reference in self.references]
            self._keys = {key.kid: key for key in keys}
        return self._keys

    def signer(self) -> SigningKey:
        if not self.current:
            raise NoSigningKey("no signing key is configured (SIGNING_KEY)")
        return next(iter(self._by_kid().values()))

    def trusts(self, kid: str) -> bool:
        return kid in self._by_kid()

    def _public_key(self, kid: str) -> Any:
        public = self._public.get(kid)
        if public is None:
            from keysmith.signing import es256

            public = es256.PublicKey(self._by_kid()[kid].public_der())
            with self._lock:
                self._public[kid] = public
        return public

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        if not self.trusts(kid):
            return False
        return bool(self._public_key(kid).verify(message, signature))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._public_key(kid).jwk(kid) for kid in self._by_kid()]}
