"""Waiting for what another process does: a condition, polled, with a generous deadline (the
machine may be at load 30: never a wall-clock assertion on how fast it came)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], *, timeout: float = 60, what: str = "") -> object:
    """The condition's first truthy value; AssertionError naming `what` past the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"still not {what or condition} after {timeout} s")
