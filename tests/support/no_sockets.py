"""The socket guard of the suites that must not touch the network: any attempt fails the test loudly."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

# Tracing is off outside Lambda. Powertools' Tracer still loads the X-Ray SDK, whose recorder makes
# (and never uses, with tracing off) a UDP socket for its daemon when first imported: import it
# here, before sockets are refused, so that importing a management function is not a network use.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
import aws_xray_sdk.core  # noqa: F401


class SocketBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise SocketBlocked("unit tests must not open sockets")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield
