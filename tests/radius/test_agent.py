"""The RADIUS agent over HTTP, and real FreeRADIUS answering from what it wrote."""

from __future__ import annotations

import sqlite3
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


def rows(agent, table: str, username: str) -> int:
    with sqlite3.connect(agent.db) as conn:
        return conn.execute(
            f"SELECT count(*) FROM {table} WHERE username = ?", [username]
        ).fetchone()[0]


def test_auth_is_required(radius_agent):
    agent = radius_agent()
    import requests

    assert requests.post(f"{agent.url}/batch", json={"vouchers": []}).status_code == 401
    wrong = requests.post(
        f"{agent.url}/batch", json={"vouchers": []}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401 and "token" in wrong.json()["detail"]
    assert requests.get(f"{agent.url}/health").json() == {"status": "ok", "db": "sqlite"}


def test_malformed_and_oversized_batches(radius_agent):
    agent = radius_agent(max_batch=10)
    bad = agent.call("POST", "/batch", data="{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 422 and "Malformed" in bad.json()["detail"]
    assert agent.call("POST", "/batch", json={"users": []}).status_code == 422
    big = agent.call("POST", "/batch", json={"vouchers": [VOUCHER] * 11})
    assert big.status_code == 413 and "At most 10" in big.json()["detail"]


def test_bad_item_is_reported_while_others_sync(radius_agent):
    agent = radius_agent()
    items = [
        VOUCHER,
        {"username": "x y", "password": "p"},
        {**VOUCHER, "username": "OK2", "rate_limit": "fast"},
        {**VOUCHER, "username": "OK3"},
    ]
    body = agent.call("POST", "/batch", json={"vouchers": items}).json()
    assert body["synced"] == 2 and body["failed"] == 2 and body["success"] is False
    assert [(e["index"], e["username"]) for e in body["errors"]] == [(1, "x y"), (2, "OK2")]
    assert "rate_limit" in body["errors"][1]["reason"]
    assert agent.call("GET", "/users/OK3").status_code == 200
    assert agent.call("GET", "/users/OK2").status_code == 404


def test_same_batch_twice_leaves_one_row_set(radius_agent):
    agent = radius_agent()
    for _ in range(2):
        assert agent.call("POST", "/batch", json={"vouchers": [VOUCHER]}).json()["synced"] == 1
    assert rows(agent, "radcheck", "HSK7M3PQ") == 3  # password, simultaneous use, time
    assert rows(agent, "radreply", "HSK7M3PQ") == 4  # timeout, rate, total, gigawords
    assert rows(agent, "radusergroup", "HSK7M3PQ") == 1
    user = agent.call("GET", "/users/HSK7M3PQ").json()
    assert {"attribute": "Mikrotik-Total-Limit-Gigawords", "op": ":=", "value": "1"} in user[
        "reply"
    ]
    assert {"attribute": "Mikrotik-Total-Limit", "op": ":=", "value": str(2 * 2**30)} in user[
        "reply"
    ]
    lookup = agent.call("POST", "/users/lookup", json={"usernames": ["HSK7M3PQ", "nobody"]})
    assert lookup.json()["users"]["nobody"] is None and lookup.json()["users"]["HSK7M3PQ"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_freeradius_accepts_with_limits_and_rejects_after_delete(
    backend, radius_agent, freeradius, scratch_postgres_url
):
    agent = radius_agent(db=scratch_postgres_url if backend == "postgresql" else None)
    expired = {
        **VOUCHER,
        "username": "OLD1",
        "expires_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    }
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER, expired]})
    radius = freeradius(agent)

    accept = radius.auth("HSK7M3PQ", "W4TX9CAD")
    assert accept.accepted, radius.tail()
    assert accept.attributes["Mikrotik-Rate-Limit"] == "2M/5M"
    assert accept.attributes["Mikrotik-Total-Limit"] == str(2 * 2**30)
    assert accept.attributes["Mikrotik-Total-Limit-Gigawords"] == "1"
    assert accept.attributes["Session-Timeout"] == "3600"

    assert not radius.auth("HSK7M3PQ", "wrong-pass").accepted
    assert not radius.auth("OLD1", "W4TX9CAD").accepted  # past its Expiration

    assert agent.call("DELETE", "/users/HSK7M3PQ").json() == {"deleted": 1}
    assert not radius.auth("HSK7M3PQ", "W4TX9CAD").accepted
    assert agent.call("DELETE", "/users/HSK7M3PQ").status_code == 404
