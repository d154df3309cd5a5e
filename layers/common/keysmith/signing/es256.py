"""ES256 (ECDSA on P-256 with SHA-256) with the cryptography library: the only module of the layer
that imports it (an import-linter contract holds that). Imported on first use only: an opaque key's
verification never loads it (tests/packaging/test_hot_path_imports.py)."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from keysmith.domain.jwt_key import b64url

_ES256 = ec.ECDSA(hashes.SHA256())
_SIZE = 32  # bytes of a P-256 coordinate, and of r and of s


def new_private_pem() -> bytes:
    """A new P-256 private key, PKCS#8 PEM without a password."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def raw_from_der(der: bytes) -> bytes:
    """A DER ECDSA signature (what AWS KMS answers) as JWS's 64 bytes ``r || s``."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(_SIZE, "big") + s.to_bytes(_SIZE, "big")


class PrivateKey:
    def __init__(self, pem: bytes) -> None:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("an ES256 signing key must be a P-256 private key")
        self._key = key

    def sign(self, message: bytes) -> bytes:
        return raw_from_der(self._key.sign(message, _ES256))

    def public_der(self) -> bytes:
        """The public half as DER SubjectPublicKeyInfo (what KMS's GetPublicKey answers)."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class PublicKey:
    def __init__(self, der: bytes) -> None:
        key = serialization.load_der_public_key(der)
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("an ES256 public key must be a P-256 key")
        self._key = key

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` (64 bytes ``r || s``) signs ``message``."""
        if len(signature) != 2 * _SIZE:
            return False
        r, s = int.from_bytes(signature[:_SIZE], "big"), int.from_bytes(signature[_SIZE:], "big")
        try:
            self._key.verify(encode_dss_signature(r, s), message, _ES256)
        except (InvalidSignature, ValueError):
            return False
        return True

    def jwk(self, kid: str) -> dict[str, Any]:
        numbers = self._key.public_numbers()
        return {
            "kid": kid,
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(_SIZE, "big")),
            "y": b64url(numbers.y.to_bytes(_SIZE, "big")),
            "alg": "ES256",
            "use": "sig",
        }
