"""What a radtik user becomes in FreeRADIUS's tables: check, reply and group rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GIGAWORD = 2**32
_RATE = r"\d+(\.\d+)?[kKmMgG]?"
RATE_LIMIT = re.compile(rf"^{_RATE}/{_RATE}( {_RATE}/{_RATE}( {_RATE}/{_RATE}( \d+/\d+)?)?)?$")
USERNAME = re.compile(r"^[\x21-\x7e]{1,64}$")  # printable ASCII, no spaces


@dataclass(frozen=True)
class UserRows:
    username: str
    check: list[tuple[str, str, str]]  # (attribute, op, value)
    reply: list[tuple[str, str, str]]
    groups: list[str]


def _positive_int(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer or null")
    return value


def expiration_value(moment: datetime) -> str:
    """rlm_expiration's format (server time: the agent host runs in UTC)."""
    return moment.astimezone(UTC).strftime("%b %d %Y %H:%M:%S")


def user_rows(item: dict[str, Any]) -> UserRows:
    """Validate one item of a batch; ValueError carries the reason reported to radtik."""
    if not isinstance(item, dict):
        raise ValueError("each item must be an object")
    username = item.get("username")
    password = item.get("password")
    if not isinstance(username, str) or not USERNAME.match(username):
        raise ValueError("username must be 1-64 printable characters without spaces")
    if not isinstance(password, str) or not 1 <= len(password) <= 128:
        raise ValueError("password must be 1-128 characters")
    check = [("Cleartext-Password", ":=", password)]
    reply: list[tuple[str, str, str]] = []
    simultaneous = _positive_int(item, "simultaneous_use")
    if simultaneous:
        check.append(("Simultaneous-Use", ":=", str(simultaneous)))
    time_limit = _positive_int(item, "time_limit")
    if time_limit:
        # Cumulative time (needs sqlcounter's noresetcounter) and a per-session cap.
        check.append(("Max-All-Session", ":=", str(time_limit)))
        reply.append(("Session-Timeout", ":=", str(time_limit)))
    expires_at = item.get("expires_at")
    if expires_at:
        try:
            moment = datetime.fromisoformat(str(expires_at))
        except ValueError:
            raise ValueError("expires_at must be an ISO-8601 date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        check.append(("Expiration", ":=", expiration_value(moment)))
    rate_limit = item.get("rate_limit")
    if rate_limit:
        if not isinstance(rate_limit, str) or not RATE_LIMIT.match(rate_limit):
            raise ValueError("rate_limit must be MikroTik's rx/tx form, e.g. 2M/5M")
        reply.append(("Mikrotik-Rate-Limit", ":=", rate_limit))
    data_limit = _positive_int(item, "data_limit")
    if data_limit:
        reply.append(("Mikrotik-Total-Limit", ":=", str(data_limit % GIGAWORD)))
        if data_limit >= GIGAWORD:
            reply.append(("Mikrotik-Total-Limit-Gigawords", ":=", str(data_limit // GIGAWORD)))
    profile = item.get("profile")
    groups = [str(profile)[:64]] if profile else []
    return UserRows(username=username, check=check, reply=reply, groups=groups)
