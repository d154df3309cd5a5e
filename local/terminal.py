"""The local tools at the developer's terminal: warnings on standard error, and the signals that
stop them (Ctrl-C, SIGTERM, SIGHUP) turned into KeyboardInterrupt, so that ``finally`` blocks stop
what they started."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType

Warn = Callable[[str], None]


def stderr_warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP all raise KeyboardInterrupt, so ``finally`` blocks stop what we
    started. SIGINT is set explicitly: a shell starts background jobs with it ignored."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
