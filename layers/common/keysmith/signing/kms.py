"""A signing key in AWS KMS (an asymmetric ``ECC_NIST_P256`` ``SIGN_VERIFY`` key): ``kms:Sign``
to mint, ``kms:GetPublicKey`` (once per container) to check. The private half never leaves KMS.

``Sign`` gets the JWS signing input itself (``MessageType: RAW``; KMS hashes it with SHA-256): a JWT
key's signing input is well under KMS's 4096-byte limit for raw messages, and it spares a hash
step of our own. KMS answers a DER signature; JWS wants ``r || s`` (``es256.raw_from_der``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from keysmith.domain.signing import SigningUnavailable

MAX_RAW_MESSAGE = 4096  # KMS Sign's limit for MessageType RAW


def kid_of(arn: str) -> str:
    """The JWT ``kid`` of a KMS key: its key id (the UUID that ends its ARN)."""
    return arn.rsplit("/", 1)[-1]


@cache
def default_client() -> Any:
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"})
    return botocore.session.get_session().create_client("kms", config=config)


@contextmanager
def guard() -> Iterator[None]:
    """Every KMS fault (throttling, a disabled or missing key, time-outs) is SigningUnavailable."""
    try:
        yield
    except ClientError as error:
        raise SigningUnavailable(str(error.response.get("Error", {}).get("Code", ""))) from error
    except BotoCoreError as error:
        raise SigningUnavailable(type(error).__name__) from error


class KmsKey:
    def __init__(self, arn: str, client: Callable[[], Any] = default_client) -> None:
        self.arn = arn
        self.kid = kid_of(arn)
        self._client = client

    def sign(self, message: bytes) -> bytes:
        from keysmith.signing import es256

        if len(message) > MAX_RAW_MESSAGE:
            raise ValueError("the signing input is over KMS's 4096 bytes for a raw message")
        with guard():
            answer = self._client().sign(
                KeyId=self.arn, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
            )
        return es256.raw_from_der(answer["Signature"])

    def public_der(self) -> bytes:
        with guard():
            answer = self._client().get_public_key(KeyId=self.arn)
        der: bytes = answer["PublicKey"]
        return der
