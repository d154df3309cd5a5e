"""Unit tests cannot open sockets: any attempt fails the test loudly."""

from tests.support.no_sockets import _no_sockets

__all__ = ["_no_sockets"]
