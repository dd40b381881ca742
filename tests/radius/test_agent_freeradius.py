"""End to end: what the agent writes, real FreeRADIUS 3 answers, on SQLite and on PostgreSQL.

One FreeRADIUS per backend, several behaviours per test: starting the pair costs more than
the checks.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

VOUCHER = {
    "username": "HSK7M3PQ",
    "password": "W4TX9CAD",
    "profile": "1 hour",
    "time_limit": 3600,
    "data_limit": 6 * 2**30,
    "rate_limit": "2M/5M",
    "simultaneous_use": 1,
    "expires_at": None,
}


ONCE = {"username": "ONCE1", "password": "W4TX9CAD", "valid_after_first_use": 3600}


def moment(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_freeradius_answers_from_what_the_agent_wrote(backend, request, radius_agent, freeradius):
    db = request.getfixturevalue("radius_postgres_url") if backend == "postgresql" else None
    agent = radius_agent(db)
    small = {**VOUCHER, "username": "SMALL1", "data_limit": 500 * 2**20, "time_limit": 600,
             "rate_limit": "512k/1M", "expires_at": moment(days=1)}  # fmt: skip
    expired = {**VOUCHER, "username": "OLD1", "expires_at": moment(minutes=-5)}
    body = agent.call("POST", "/batch", json={"vouchers": [VOUCHER, small, expired]}).json()
    assert body["synced"] == 3, body
    radius = freeradius(agent)

    # Accepted, with the MikroTik limits as reply attributes (> 4 GiB: Gigawords too).
    accepted, attributes = radius.auth("HSK7M3PQ", "W4TX9CAD")
    assert accepted, radius.tail()
    assert attributes == {
        "Session-Timeout": "3600",
        "Mikrotik-Rate-Limit": "2M/5M",
        "Mikrotik-Total-Limit": str(2 * 2**30),
        "Mikrotik-Total-Limit-Gigawords": "1",
        "Acct-Interim-Interval": "60",
    }
    accepted, attributes = radius.auth("SMALL1", "W4TX9CAD")
    assert accepted, radius.tail()
    assert attributes == {
        "Session-Timeout": "600",
        "Mikrotik-Rate-Limit": "512k/1M",
        "Mikrotik-Total-Limit": str(500 * 2**20),
        "Acct-Interim-Interval": "60",
    }

    # Rejected: wrong password, unknown user, past its expiry.
    assert not radius.auth("HSK7M3PQ", "W4TX9CAD-wrong").accepted
    assert not radius.auth("nobody", "W4TX9CAD").accepted
    assert not radius.auth("OLD1", "W4TX9CAD").accepted
    assert "Account expired" in radius.tail(300)
    # ... until radtik extends it.
    agent.call("POST", "/batch", json={"vouchers": [{**expired, "expires_at": moment(hours=2)}]})
    assert radius.auth("OLD1", "W4TX9CAD").accepted, radius.tail()

    # Simultaneous-Use 1: a second login is refused while the first session is open.
    radius.account("SMALL1", "Start", "sess-1")
    assert not radius.auth("SMALL1", "W4TX9CAD").accepted
    # Max-All-Session counts time across sessions: 400 of 600 s used leaves 200 s ...
    radius.account("SMALL1", "Stop", "sess-1", session_time=400)
    accepted, attributes = radius.auth("SMALL1", "W4TX9CAD")
    assert accepted and attributes["Session-Timeout"] == "200", radius.tail()
    # ... and none once used up.
    radius.account("SMALL1", "Start", "sess-2")
    radius.account("SMALL1", "Stop", "sess-2", session_time=200)
    assert not radius.auth("SMALL1", "W4TX9CAD").accepted

    # Valid for an hour after first use: the clock starts at the first session in radacct.
    agent.call("POST", "/batch", json={"vouchers": [ONCE]})
    accepted, attributes = radius.auth("ONCE1", "W4TX9CAD")
    assert accepted and attributes["Session-Timeout"] == "3600", radius.tail()
    radius.account("ONCE1", "Start", "once-1", at=time.time() - 600)  # first used 10 min ago
    radius.account("ONCE1", "Stop", "once-1", session_time=60)
    accepted, attributes = radius.auth("ONCE1", "W4TX9CAD")
    assert accepted and 2990 <= int(attributes["Session-Timeout"]) <= 3000, attributes
    radius.account("ONCE1", "Start", "once-0", at=time.time() - 7200)  # ... 2 hours ago
    assert not radius.auth("ONCE1", "W4TX9CAD").accepted

    # Deleted: rejected at once.
    assert agent.call("DELETE", "/users/HSK7M3PQ").json() == {"deleted": 1}
    assert not radius.auth("HSK7M3PQ", "W4TX9CAD").accepted
    assert agent.call("POST", "/delete", json={"usernames": ["OLD1"]}).json() == {"deleted": 1}
    assert not radius.auth("OLD1", "W4TX9CAD").accepted
