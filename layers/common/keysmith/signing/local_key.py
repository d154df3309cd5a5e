"""A signing key in a local PEM file, for ``make dev`` and the tests (never deployed): created when
missing. Its ``kid`` is a digest of the file, so it is known without loading a cryptography library."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from keysmith.domain.jwt_key import b64url


class LocalKey:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._pem: bytes | None = None
        self._private: Any = None

    def pem(self) -> bytes:
        if self._pem is None:
            if not self.path.exists():
                from keysmith.signing import es256

                self.path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:  # another process made it a moment ago
                    pass
                else:
                    with os.fdopen(descriptor, "wb") as file:
                        file.write(es256.new_private_pem())
            self._pem = self.path.read_bytes()
        return self._pem

    @property
    def kid(self) -> str:
        return "local-" + b64url(hashlib.sha256(self.pem()).digest()[:12])

    def _key(self) -> Any:
        if self._private is None:
            from keysmith.signing import es256

            self._private = es256.PrivateKey(self.pem())
        return self._private

    def sign(self, message: bytes) -> bytes:
        signature: bytes = self._key().sign(message)
        return signature

    def public_der(self) -> bytes:
        der: bytes = self._key().public_der()
        return der
