"""Domain tests run without sockets (any attempt fails the test) on the typed fakes of tests/support."""

from tests.support.no_sockets import _no_sockets

__all__ = ["_no_sockets"]
