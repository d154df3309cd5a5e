"""Exit codes and the two ways the CLI stops without an API answer."""

from __future__ import annotations

EXIT_OK = 0
EXIT_LOCAL = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_FAILED = 4
EXIT_NOT_VALID = 5


class LocalFailure(Exception):
    """The CLI stops before (or without) an API call: exit 1 with this message."""


class UsageFailure(Exception):
    """A combination of options argparse cannot express: exit 2 with this message."""
