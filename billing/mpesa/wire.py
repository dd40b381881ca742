"""Daraja wire details shared by the client and the simulator: paths, timestamps, the password."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

OAUTH_PATH = "/oauth/v1/generate"
STK_PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH = "/mpesa/stkpushquery/v1/query"

# Kenya (Africa/Nairobi) is UTC+3 all year with no DST, so a fixed offset is exact and needs no
# tzdata on the host.
NAIROBI = timezone(timedelta(hours=3), "EAT")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

# Daraja's error codes we act on.
INVALID_TOKEN_CODE = "404.001.03"
QUERY_PENDING_CODE = "500.001.1001"
RATE_LIMITED_CODES = frozenset({"500.003.02", "500.003.03"})  # spike arrest / quota violation


def daraja_timestamp(now: datetime | None = None) -> str:
    """YYYYMMDDHHmmss in Kenyan time: Timestamp in requests, TransactionDate in callbacks."""
    moment = now or datetime.now(tz=NAIROBI)
    return moment.astimezone(NAIROBI).strftime(TIMESTAMP_FORMAT)


def parse_daraja_timestamp(value: str) -> datetime:
    """The inverse of `daraja_timestamp`: an aware datetime in Nairobi time (ValueError if bad)."""
    if len(value) != 14 or not value.isdigit():
        raise ValueError(f"expected 14 digits YYYYMMDDHHmmss, got {len(value)} characters")
    return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=NAIROBI)


def stk_password(shortcode: str, passkey: str, timestamp: str) -> str:
    """Password = base64(shortcode + passkey + timestamp) for STK push and STK query."""
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode("ascii")
