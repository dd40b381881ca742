"""MikroTik's rate-limit syntax, checked the same way by radtik's forms and by the agent.

Plain Python on purpose: the agent runs on the RADIUS host without Django.
"""

from __future__ import annotations

import re

# rx/tx [burst [threshold [burst-time [priority [min]]]]]; each but priority is rx[/tx].
# radtik has always asked for both directions of the first pair, so "2M" alone is refused.
_RATE = r"\d+(?:\.\d+)?[kKmMgG]?"
_PAIR = rf"{_RATE}(?:/{_RATE})?"
_TIMES = r"\d+s?(?:/\d+s?)?"
RATE_LIMIT = re.compile(
    rf"{_RATE}/{_RATE}(?: {_PAIR}(?: {_PAIR}(?: {_TIMES}(?: [1-8](?: {_PAIR})?)?)?)?)?"
)
RATE_LIMIT_FORM = "MikroTik's rx/tx form, e.g. 2M/5M (upload/download as the router sees it)"


def rate_limit_check(value: str) -> None:
    """ValueError naming the expected form unless value is a MikroTik rate limit."""
    if not RATE_LIMIT.fullmatch(value):
        raise ValueError(f"rate_limit must be {RATE_LIMIT_FORM}")
