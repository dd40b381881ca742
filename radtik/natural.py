"""Natural order for names with numbers in them (interfaces: ether2 before ether10)."""

from __future__ import annotations

import re

_PARTS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: digit runs compare as numbers, the rest case-insensitively (a tuple of
    (kind, value) pairs, so a number and a word never compare with each other)."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part.casefold())
        for part in _PARTS.split(name)
        if part
    )
