"""What one radtik user becomes in FreeRADIUS's tables: check, reply and group rows.

Validation happens here, per item, so one bad voucher is reported without sinking its batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from radius.agent.rate_limit import rate_limit_check

GIGAWORD = 2**32
UINT32_MAX = 2**32 - 1
# rlm_sql escapes characters outside its default safe_characters before it looks a User-Name up,
# so a stored name with any other character would never match its own radcheck rows.
USERNAME = re.compile(r"[A-Za-z0-9@._:/-]{1,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
EXPIRES_AT = "expires_at must be an ISO-8601 date-time with a UTC offset, or null"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Row = tuple[str, str, str]  # (attribute, op, value)
# Limits are stored once per distinct set, as a FreeRADIUS group named by its content, not
# repeated in every user's rows: a batch's 100,000 vouchers share theirs, so each voucher is 4
# or 5 rows instead of 10. rlm_sql reads a user's groups after its own rows and moves their ":="
# check items into the control list, as it does its own: counters, Simultaneous-Use and the
# MAC lock see the same attributes. Radtik's own group names never take this prefix.
LIMITS_PREFIX = "radtik:limits:"


@dataclass(frozen=True, slots=True)
class Limits:
    """Check and reply rows many users share, kept in radgroupcheck/radgroupreply."""

    group: str
    check: tuple[Row, ...]
    reply: tuple[Row, ...]


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs twice as much
class UserRows:
    username: str
    # The user's own: its password, and its expiry (one per subscription). Its reply rows are
    # all its limits group's.
    check: tuple[Row, ...]
    groups: tuple[str, ...]  # shared by the users of a set
    # Who in radtik holds the name (tenant and source); None from clients that do not say.
    owner: str | None = None
    limits: Limits | None = None


def limits_for(check: tuple[Row, ...], reply: tuple[Row, ...]) -> Limits | None:
    """The group holding these rows; its name is a hash of them, so the same limits always
    land in the same group and a group's rows never change once written."""
    if not check and not reply:
        return None
    text = "\n".join(
        f"{kind}\t{attribute}\t{op}\t{value}"
        for kind, rows in (("check", check), ("reply", reply))
        for attribute, op, value in rows
    )
    return Limits(LIMITS_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32], check, reply)


def expiration_value(moment: datetime) -> str:
    """FreeRADIUS's date form ("Nov 23 2026 14:00:00"), in this host's local time.

    FreeRADIUS parses it with mktime(), i.e. in the local time of the host it runs on; the
    agent runs on that host. The month names are spelled out so no locale can change them.
    """
    local = moment.astimezone()
    return f"{MONTHS[local.month - 1]} {local:%d %Y %H:%M:%S}"


def _limit(item: dict[str, Any], key: str, maximum: int) -> int | None:
    """A non-negative integer or null; 0 means "no limit", as it does on a MikroTik."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValueError(f"{key} must be an integer from 0 to {maximum} or null")
    return value or None


def _text(item: dict[str, Any], key: str, max_bytes: int) -> str | None:
    return _text_value(item.get(key), key, max_bytes)


def _text_value(value: Any, key: str, max_bytes: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or CONTROL.search(value) or len(value.encode()) > max_bytes:
        raise ValueError(f"{key} must be text of at most {max_bytes} bytes, no control characters")
    return value


def _expiration(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(EXPIRES_AT)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(EXPIRES_AT) from None
    if moment.tzinfo is None:
        raise ValueError(EXPIRES_AT)
    return expiration_value(moment)


def user_rows(item: Any) -> UserRows:
    """Validate one batch item; the ValueError's text is the reason reported to radtik."""
    if not isinstance(item, dict):
        raise ValueError("each item must be a JSON object")
    return _user(item.get("username"), item.get("password"), item)


def _user(username: Any, password: Any, shared: dict[str, Any] | tuple) -> UserRows:
    """A user from its name, password and the other fields (or their rows, already made)."""
    if type(username) is not str or not USERNAME.fullmatch(username):
        raise ValueError(
            "username must be 1-64 characters from A-Z a-z 0-9 @ . _ : / - "
            "(FreeRADIUS's SQL module escapes any other character and would not find the user)"
        )
    # RADIUS carries at most 128 bytes of User-Password (RFC 2865 5.2). Printable ASCII is
    # one byte a character and has no control characters: checked in C, the rest in full.
    if not (type(password) is str and password.isascii() and password.isprintable()
            and 0 < len(password) <= 128):  # fmt: skip
        password = _text_value(password, "password", 128)
        if password is None:
            raise ValueError("password is required")
    own, limits, groups, owner = shared if type(shared) is tuple else _shared_rows(shared)
    return UserRows(username, (("Cleartext-Password", ":=", password), *own), groups, owner, limits)


COMPACT_ITEM = "each credential must be [username, password] or [username, password, shared index]"


def compact_rows(shared: list[Any]) -> Callable[[Any], UserRows]:
    """The compact batch form: fields every user of a set has in common, validated and made
    into rows once per set, and per user only [username, password, index into shared] (the
    index defaults to 0). A batch's vouchers share everything else, so this is most of the
    agent's JSON and validation saved (the per-item form spends ~10 µs per voucher on it)."""
    sets: list[tuple | str] = []
    for fields in shared:
        if not isinstance(fields, dict) or _PER_USER & fields.keys():
            sets.append("each shared set must be a JSON object without username or password")
            continue
        try:
            sets.append(_rows_beyond_password(fields))
        except ValueError as exc:
            sets.append(str(exc))

    def rows(credential: Any) -> UserRows:
        if not isinstance(credential, list) or not 2 <= len(credential) <= 3:
            raise ValueError(COMPACT_ITEM)
        index = credential[2] if len(credential) == 3 else 0
        if type(index) is not int or not 0 <= index < len(sets):
            raise ValueError(f"the shared index must be an integer from 0 to {len(sets) - 1}")
        common = sets[index]
        if isinstance(common, str):
            raise ValueError(common)
        return _user(credential[0], credential[1], common)

    return rows


# The vouchers of a batch differ only in username and password: their other fields are
# validated and turned into rows once per distinct set (most of the agent's CPU per item).
_SHARED_CACHE: dict[tuple, tuple] = {}
_SHARED_CACHE_SIZE = 1024
_PER_USER = frozenset({"username", "password"})


def _shared_key(item: dict[str, Any]) -> tuple:
    """The item's fields but username and password, with their types (True == 1 in Python);
    TypeError when one is not hashable (a dict, a list in a list)."""
    parts = []
    for name, value in item.items():
        if name in _PER_USER:
            continue
        kind = type(value)
        if kind is list:
            value = tuple((type(element), element) for element in value)
        parts.append((name, kind, value))
    key = tuple(parts)
    hash(key)
    return key


def _shared_rows(item: dict[str, Any]) -> tuple:
    try:
        key = _shared_key(item)
    except TypeError:
        return _rows_beyond_password(item)
    rows = _SHARED_CACHE.get(key)
    if rows is None:
        rows = _rows_beyond_password(item)  # a ValueError is not cached: the item is refused
        if len(_SHARED_CACHE) >= _SHARED_CACHE_SIZE:
            _SHARED_CACHE.clear()
        _SHARED_CACHE[key] = rows
    return rows


def _rows_beyond_password(item: dict[str, Any]) -> tuple:
    """(the user's own check rows after the password, its Limits, groups, owner) of a valid
    item."""
    own: list[Row] = []
    check: list[Row] = []
    reply: list[Row] = []
    if simultaneous := _limit(item, "simultaneous_use", UINT32_MAX):
        check.append(("Simultaneous-Use", ":=", str(simultaneous)))
    if time_limit := _limit(item, "time_limit", UINT32_MAX):
        # Max-All-Session is cumulative (sqlcounter "noresetcounter"); Session-Timeout caps
        # each session even where that counter is not enabled.
        check.append(("Max-All-Session", ":=", str(time_limit)))
        reply.append(("Session-Timeout", "=", str(time_limit)))
    if expiration := _expiration(item.get("expires_at")):
        own.append(("Expiration", ":=", expiration))
    if after_first_use := _limit(item, "valid_after_first_use", UINT32_MAX):
        # sqlcounter "expire_on_login": seconds since the first session's start in radacct.
        check.append(("Expire-After", ":=", str(after_first_use)))
    mac_lock = item.get("mac_lock", False)
    if not isinstance(mac_lock, bool):
        raise ValueError("mac_lock must be true or false")
    if mac_lock:
        # The first device accepted is the only one (the shipped configuration's MAC_LOCK).
        check.append(("Radtik-Mac-Lock", ":=", "1"))
    if rate_limit := _text(item, "rate_limit", 253):
        rate_limit_check(rate_limit)
        reply.append(("Mikrotik-Rate-Limit", "=", rate_limit))
    if data_limit := _limit(item, "data_limit", GIGAWORD * GIGAWORD - 1):
        # A total over all sessions: FreeRADIUS's radtik_data_limit counter (shipped config)
        # replies with what remains and rejects when nothing does. The reply rows cap a
        # session where that counter is not enabled. MikroTik reads a 64-bit byte count as two
        # 32-bit attributes.
        check.append(("Radtik-Max-Total-Octets", ":=", str(data_limit)))
        reply.append(("Mikrotik-Total-Limit", "=", str(data_limit % GIGAWORD)))
        if data_limit >= GIGAWORD:
            reply.append(("Mikrotik-Total-Limit-Gigawords", "=", str(data_limit // GIGAWORD)))
    if address_list := _text(item, "address_list", 64):
        # The router puts the session's address on this list (MikroTik vendor attribute 19).
        reply.append(("Mikrotik-Address-List", "=", address_list))
    if interim := _limit(item, "interim_interval", 86400):
        # How often the router sends Interim-Updates; the shipped configuration's default
        # applies otherwise. The agent closes sessions silent for 3 of them.
        reply.append(("Acct-Interim-Interval", "=", str(interim)))
    limits = limits_for(tuple(check), tuple(reply))
    return tuple(own), limits, tuple(_groups(item)), _text(item, "owner", 200)


def _groups(item: dict[str, Any]) -> list[str]:
    """ "groups" (a list), or the older single "profile"."""
    groups = item.get("groups")
    if groups is None:
        profile = _text(item, "profile", 64)
        return [profile] if profile else []
    if not isinstance(groups, list):
        raise ValueError("groups must be a list of group names")
    names = [_text({"groups": group}, "groups", 64) for group in groups]
    if any(name and name.startswith(LIMITS_PREFIX) for name in names):
        raise ValueError(f"group names starting with {LIMITS_PREFIX!r} are radtik's own")
    return list(dict.fromkeys(name for name in names if name))
