"""The RADIUS agent's HTTP API, against the real process and a real SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import requests

VOUCHER = {
    "username": "HSK7M3PQ",
    "password": "W4TX9CAD",
    "profile": "1 hour",
    "time_limit": 3600,
    "data_limit": 6 * 2**30,
    "rate_limit": "2M/5M",
    "simultaneous_use": 1,
    "expires_at": "2030-01-31T18:00:00+03:00",
}


LIMITS = "radtik:limits:%"  # the groups that hold users' limits


def sql(agent, query: str, *params) -> list[tuple]:
    """Run a query on the agent's own database, the way FreeRADIUS sees it."""
    if agent.dialect == "sqlite":
        with sqlite3.connect(agent.db) as conn:
            return conn.execute(query, params).fetchall()
    with psycopg.connect(agent.db, autocommit=True) as conn:
        cur = conn.execute(query.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


def row_counts(agent, username: str) -> tuple[int, int, int]:
    """(check rows, reply rows, groups) FreeRADIUS applies to the user: its own rows and its
    groups' (its limits are a group's rows), and the groups radtik named."""
    own = [
        sql(agent, f"SELECT count(*) FROM {table} WHERE username = ?", username)[0][0]
        for table in ("radcheck", "radreply")
    ]
    shared = [
        sql(agent, f"SELECT count(*) FROM radusergroup g JOIN {table} r "
                   "ON r.groupname = g.groupname WHERE g.username = ?", username)[0][0]
        for table in ("radgroupcheck", "radgroupreply")
    ]  # fmt: skip
    named = sql(agent, "SELECT count(*) FROM radusergroup WHERE username = ? "
                       "AND groupname NOT LIKE ?", username, LIMITS)[0][0]  # fmt: skip
    return own[0] + shared[0], own[1] + shared[1], named


@pytest.fixture(params=["sqlite", "postgresql"])
def agent(request, radius_agent):
    if request.param == "sqlite":
        return radius_agent()
    return radius_agent(request.getfixturevalue("radius_postgres_url"))


def test_missing_or_wrong_token_is_401_and_health_is_open(radius_agent):
    agent = radius_agent()
    missing = requests.post(f"{agent.url}/batch", json={"vouchers": [VOUCHER]}, timeout=10)
    wrong = agent.call("POST", "/batch", json={"vouchers": [VOUCHER]}, headers={
        "Authorization": "Bearer " + agent.token[:-1]
    })  # fmt: skip
    for response in (missing, wrong):
        assert response.status_code == 401
        assert "bearer token" in response.json()["detail"]
    assert agent.call("GET", "/users/HSK7M3PQ").status_code == 404  # nothing was written
    assert requests.get(f"{agent.url}/health", timeout=10).json() == {
        "status": "ok",
        "db": "sqlite",
    }


def test_malformed_json_and_wrong_shape_are_422_with_a_message(radius_agent):
    agent = radius_agent()
    broken = agent.call(
        "POST", "/batch", data=b'{"vouchers": [', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"].startswith("Malformed request: JSON decode error")
    wrong = agent.call("POST", "/batch", json={"users": [VOUCHER]})
    assert wrong.status_code == 422 and "vouchers" in wrong.json()["detail"]


def test_oversized_batch_is_413_and_writes_nothing(radius_agent):
    agent = radius_agent(max_batch=10)
    items = [{**VOUCHER, "username": f"U{i}"} for i in range(11)]
    response = agent.call("POST", "/batch", json={"vouchers": items})
    assert response.status_code == 413
    assert response.json()["detail"] == "11 vouchers in one request; the limit is 10"
    assert row_counts(agent, "U0") == (0, 0, 0)
    assert agent.call("POST", "/batch", json={"vouchers": items[:10]}).json()["synced"] == 10


def test_bad_items_are_reported_while_the_others_sync(agent):
    items = [
        VOUCHER,
        {**VOUCHER, "username": ""},
        {**VOUCHER, "username": "OK2", "rate_limit": "fast"},
        {**VOUCHER, "username": "OK3", "time_limit": -5},
        {**VOUCHER, "username": "OK4", "expires_at": "next tuesday"},
        {**VOUCHER, "username": "OK5"},
        {**VOUCHER, "password": "other"},  # HSK7M3PQ again
        "not an object",
    ]
    body = agent.call("POST", "/batch", json={"vouchers": items}).json()
    assert (body["success"], body["synced"], body["failed"]) == (False, 2, 6)
    reasons = {(e["index"], e["username"]): e["reason"] for e in body["errors"]}
    assert list(reasons) == [(1, ""), (2, "OK2"), (3, "OK3"), (4, "OK4"), (6, "HSK7M3PQ"), (7, "")]
    assert "username must be" in reasons[1, ""]
    assert "rate_limit" in reasons[2, "OK2"] and "2M/5M" in reasons[2, "OK2"]
    assert "time_limit must be an integer from 0" in reasons[3, "OK3"]
    assert "ISO-8601" in reasons[4, "OK4"]
    assert "repeated in this batch; item 0 was used" in reasons[6, "HSK7M3PQ"]
    assert reasons[7, ""] == "each item must be a JSON object"
    assert row_counts(agent, "OK5") == (5, 4, 1) and row_counts(agent, "OK2") == (0, 0, 0)
    password = sql(agent, "SELECT value FROM radcheck WHERE username = ? AND attribute = ?",
                   "HSK7M3PQ", "Cleartext-Password")  # fmt: skip
    assert password == [("W4TX9CAD",)]


SHARED = {key: value for key, value in VOUCHER.items() if key not in ("username", "password")}


def test_the_compact_form_writes_what_the_items_would(agent):
    """radtik's form: each set of shared fields once, then [username, password, set]."""
    agent.call("POST", "/batch", json={"vouchers": [{**VOUCHER, "username": "ITEM"}]})
    body = agent.call("POST", "/batch", json={
        "shared": [SHARED, {**SHARED, "rate_limit": "1M/1M"}],
        "credentials": [["C0", "pw0"], ["C1", "pw1", 1], ["C2", "pw2", 0]],
    }).json()  # fmt: skip
    assert (body["success"], body["synced"], body["failed"]) == (True, 3, 0)
    item, c0, c1 = (agent.call("GET", f"/users/{name}").json() for name in ("ITEM", "C0", "C1"))
    password = {"attribute": "Cleartext-Password", "op": ":=", "value": "pw0"}
    assert c0["check"] == [password] + item["check"][1:] and c0["reply"] == item["reply"]
    assert {"attribute": "Mikrotik-Rate-Limit", "op": "=", "value": "1M/1M"} in c1["reply"]
    assert c0["groups"] == ["1 hour"] and row_counts(agent, "C2") == (5, 4, 1)


def test_compact_items_that_are_wrong_fail_alone(agent):
    body = agent.call("POST", "/batch", json={
        "shared": [SHARED, {**SHARED, "time_limit": -1}, {"password": "x"}],
        "credentials": [["OK0", "pw"], ["BAD1", "pw", 1], ["bad name", "pw"], ["OK3"],
                        ["BAD4", "pw", 7], ["BAD5", "pw", 2], "BAD6", ["OK0", "again"]],
    }).json()  # fmt: skip
    assert (body["synced"], body["failed"]) == (1, 7)
    reasons = {(e["index"], e["username"]): e["reason"] for e in body["errors"]}
    assert list(reasons) == [(1, "BAD1"), (2, "bad name"), (3, "OK3"), (4, "BAD4"),
                             (5, "BAD5"), (6, ""), (7, "OK0")]  # fmt: skip
    assert "time_limit must be an integer from 0" in reasons[1, "BAD1"]
    assert "username must be" in reasons[2, "bad name"]
    assert reasons[3, "OK3"].startswith("each credential must be [username, password")
    assert reasons[4, "BAD4"] == "the shared index must be an integer from 0 to 2"
    assert "without username or password" in reasons[5, "BAD5"]
    assert "repeated in this batch; item 0 was used" in reasons[7, "OK0"]
    assert row_counts(agent, "OK0") == (5, 4, 1) and row_counts(agent, "BAD1") == (0, 0, 0)


def test_a_batch_in_neither_or_both_forms_is_422(agent):
    for body in ({"shared": [SHARED]}, {"vouchers": [VOUCHER], "credentials": [["A", "b"]]},
                 {"shared": [], "credentials": [["A", "b"]]}):  # fmt: skip
        response = agent.call("POST", "/batch", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"].startswith("Malformed request")
    assert row_counts(agent, "A") == (0, 0, 0)


def test_item_the_database_refuses_fails_alone(agent):
    """A constraint the operator added (not ours) refuses one user: savepoints keep the rest."""
    if agent.dialect == "sqlite":
        sql(agent, "CREATE TRIGGER no_poison BEFORE INSERT ON radcheck WHEN NEW.value = 'poison' "
                   "BEGIN SELECT RAISE(ABORT, 'poisoned password'); END")  # fmt: skip
    else:
        sql(agent, "ALTER TABLE radcheck ADD CONSTRAINT no_poison CHECK (value <> 'poison')")
    items = [{**VOUCHER, "username": f"P{i}", "password": "poison" if i == 1 else "fine"}
             for i in range(3)]  # fmt: skip
    body = agent.call("POST", "/batch", json={"vouchers": items}).json()
    assert (body["synced"], body["failed"]) == (2, 1)
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["username"] == "P1"
    assert body["errors"][0]["reason"].startswith("the RADIUS database refused the rows")
    assert [row_counts(agent, f"P{i}") for i in range(3)] == [(5, 4, 1), (0, 0, 0), (5, 4, 1)]


def test_same_batch_twice_leaves_exactly_one_row_set(agent):
    items = [{**VOUCHER, "username": f"V{i:03d}"} for i in range(250)]
    for _ in range(2):
        assert agent.call("POST", "/batch", json={"vouchers": items}).json()["synced"] == 250
    assert {row_counts(agent, f"V{i:03d}") for i in range(250)} == {(5, 4, 1)}
    # Their limits are one group's rows, written once: each user holds its password, expiry,
    # its limits group and its named group.
    assert sql(agent, "SELECT count(DISTINCT groupname), count(*) FROM radgroupcheck") == [(1, 3)]
    assert sql(agent, "SELECT count(*) FROM radgroupreply") == [(4,)]
    assert sql(agent, "SELECT count(*) FROM radcheck") == [(500,)]
    assert sql(agent, "SELECT count(*) FROM radusergroup") == [(500,)]


def test_users_with_other_limits_get_their_own_group_and_the_old_one_stays_right(agent):
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER, {**VOUCHER, "username": "B"}]})
    agent.call("POST", "/batch", json={"vouchers": [{**VOUCHER, "rate_limit": "1M/1M"}]})
    changed, kept = (agent.call("GET", f"/users/{name}").json() for name in ("HSK7M3PQ", "B"))
    assert {"attribute": "Mikrotik-Rate-Limit", "op": "=", "value": "1M/1M"} in changed["reply"]
    assert {"attribute": "Mikrotik-Rate-Limit", "op": "=", "value": "2M/5M"} in kept["reply"]
    assert sql(agent, "SELECT count(DISTINCT groupname) FROM radusergroup "
                      "WHERE groupname LIKE ?", LIMITS) == [(2,)]  # fmt: skip


def test_a_group_name_radtik_keeps_for_limits_is_refused(agent):
    item = {**VOUCHER, "profile": None, "groups": ["radtik:limits:0123"]}
    body = agent.call("POST", "/batch", json={"vouchers": [item]}).json()
    assert body["failed"] == 1 and "radtik's own" in body["errors"][0]["reason"]


def test_changed_limits_replace_the_old_rows(agent):
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER]})
    smaller = {**VOUCHER, "data_limit": 500_000_000, "time_limit": None, "profile": None,
               "rate_limit": None, "simultaneous_use": None, "expires_at": None}  # fmt: skip
    agent.call("POST", "/batch", json={"vouchers": [smaller]})
    user = agent.call("GET", "/users/HSK7M3PQ").json()
    assert user == {
        "username": "HSK7M3PQ",
        "check": [
            {"attribute": "Cleartext-Password", "op": ":=", "value": "W4TX9CAD"},
            {"attribute": "Radtik-Max-Total-Octets", "op": ":=", "value": "500000000"},
        ],
        "reply": [{"attribute": "Mikrotik-Total-Limit", "op": "=", "value": "500000000"}],
        "groups": [],
    }


def test_user_rows_use_freeradius_attributes(agent):
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER]})
    user = agent.call("GET", "/users/HSK7M3PQ").json()
    check = {(r["attribute"], r["op"], r["value"]) for r in user["check"]}
    reply = {(r["attribute"], r["op"], r["value"]) for r in user["reply"]}
    assert {("Cleartext-Password", ":=", "W4TX9CAD"), ("Simultaneous-Use", ":=", "1"),
            ("Max-All-Session", ":=", "3600"),
            ("Radtik-Max-Total-Octets", ":=", str(6 * 2**30))} < check  # fmt: skip
    expiration = next(r for r in user["check"] if r["attribute"] == "Expiration")["value"]
    assert expiration.startswith("Jan 31 2030 ")  # host-local time of 15:00 UTC
    assert reply == {
        ("Session-Timeout", "=", "3600"),
        ("Mikrotik-Rate-Limit", "=", "2M/5M"),
        ("Mikrotik-Total-Limit", "=", str(2 * 2**30)),  # 6 GiB = 1 gigaword + 2 GiB
        ("Mikrotik-Total-Limit-Gigawords", "=", "1"),
    }
    assert user["groups"] == ["1 hour"]


def test_lookup_digests_change_with_the_rows(agent):
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER, {**VOUCHER, "username": "B2"}]})
    first = agent.call("POST", "/users/lookup", json={"usernames": ["HSK7M3PQ", "B2", "nobody"]})
    digests = first.json()["users"]
    assert digests["nobody"] is None and digests["HSK7M3PQ"] == digests["B2"]
    assert len(digests["B2"]) == 64
    agent.call(
        "POST", "/batch", json={"vouchers": [{**VOUCHER, "username": "B2", "password": "x"}]}
    )
    again = agent.call("POST", "/users/lookup", json={"usernames": ["HSK7M3PQ", "B2"]}).json()
    assert again["users"]["HSK7M3PQ"] == digests["HSK7M3PQ"]
    assert again["users"]["B2"] != digests["B2"]


def test_delete_by_list_and_by_name(agent):
    items = [{**VOUCHER, "username": name} for name in ("D1", "D2", "D3")]
    agent.call("POST", "/batch", json={"vouchers": items})
    response = agent.call("POST", "/delete", json={"usernames": ["D1", "D2", "never-there"]})
    assert response.json() == {"deleted": 2}
    assert row_counts(agent, "D1") == (0, 0, 0) and row_counts(agent, "D3") == (5, 4, 1)
    assert agent.call("DELETE", "/users/D3").json() == {"deleted": 1}
    missing = agent.call("DELETE", "/users/D3")
    assert missing.status_code == 404 and "D3" in missing.json()["detail"]
    assert agent.call("GET", "/users/D3").status_code == 404


def test_agent_restart_keeps_port_token_and_rows(radius_agent):
    agent = radius_agent()
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER]})
    agent.stop()
    with pytest.raises(requests.ConnectionError):
        agent.call("GET", "/users/HSK7M3PQ")
    agent.start()
    assert agent.call("GET", "/users/HSK7M3PQ").json()["groups"] == ["1 hour"]


def test_log_names_requests_without_passwords_or_token(radius_agent):
    agent = radius_agent()
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER]})
    requests.post(f"{agent.url}/batch", json={"vouchers": []}, timeout=10)
    agent.stop()
    log = agent.log_path.read_text()
    assert "POST /batch 200" in log and "POST /batch 401" in log
    assert "batch: 1 items, 1 synced, 0 failed" in log
    assert VOUCHER["password"] not in log and agent.token not in log


def test_a_user_held_by_another_owner_is_refused_and_kept(agent):
    batch_3 = {**VOUCHER, "owner": "alpha:voucher_batch:3"}
    other = {**VOUCHER, "username": "FREE1", "owner": "alpha:voucher_batch:3"}
    assert agent.call("POST", "/batch", json={"vouchers": [batch_3, other]}).json()["synced"] == 2

    thief = {**VOUCHER, "password": "stolen", "owner": "beta:subscription:7"}
    fresh = {**VOUCHER, "username": "MP1", "owner": "beta:subscription:7"}
    unowned = {**VOUCHER, "username": "FREE1", "password": "stolen"}
    body = agent.call("POST", "/batch", json={"vouchers": [thief, fresh, unowned]}).json()
    assert (body["synced"], body["failed"]) == (1, 2)
    assert [(e["index"], e["username"]) for e in body["errors"]] == [(0, "HSK7M3PQ"), (2, "FREE1")]
    assert "already belongs to 'alpha:voucher_batch:3'" in body["errors"][0]["reason"]
    passwords = sql(agent, "SELECT username, value FROM radcheck WHERE attribute = ? "
                    "ORDER BY username", "Cleartext-Password")  # fmt: skip
    assert passwords == [("FREE1", "W4TX9CAD"), ("HSK7M3PQ", "W4TX9CAD"), ("MP1", "W4TX9CAD")]
    assert row_counts(agent, "HSK7M3PQ") == (5, 4, 1)

    # Its owner may change it; once deleted, the name is free for anyone.
    changed = {**batch_3, "password": "new"}
    assert agent.call("POST", "/batch", json={"vouchers": [changed]}).json()["synced"] == 1
    assert agent.call("POST", "/delete", json={"usernames": ["HSK7M3PQ"]}).json() == {"deleted": 1}
    assert sql(agent, "SELECT count(*) FROM radtik_owner WHERE username = ?", "HSK7M3PQ") == [(0,)]
    assert agent.call("POST", "/batch", json={"vouchers": [thief]}).json()["synced"] == 1
    owners = sql(agent, "SELECT username, owner FROM radtik_owner ORDER BY username")
    assert owners == [("FREE1", "alpha:voucher_batch:3"), ("HSK7M3PQ", "beta:subscription:7"),
                      ("MP1", "beta:subscription:7")]  # fmt: skip


def test_rows_written_before_owners_are_taken_over_and_the_owner_table_is_made_on_start(agent):
    """A database an older agent filled: no owner table, users without owners."""
    agent.call("POST", "/batch", json={"vouchers": [VOUCHER]})
    sql(agent, "DROP TABLE radtik_owner")
    agent.stop()
    agent.start()
    assert agent.call("POST", "/batch", json={"vouchers": [VOUCHER]}).json()["synced"] == 1
    owned = {**VOUCHER, "password": "claimed", "owner": "alpha:subscription:1"}
    assert agent.call("POST", "/batch", json={"vouchers": [owned]}).json()["synced"] == 1
    assert sql(agent, "SELECT owner FROM radtik_owner") == [("alpha:subscription:1",)]
    assert row_counts(agent, "HSK7M3PQ") == (5, 4, 1)


def test_groups_list_becomes_group_rows(agent):
    item = {**VOUCHER, "profile": None, "groups": ["gold", "night", "gold", ""]}
    assert agent.call("POST", "/batch", json={"vouchers": [item]}).json()["synced"] == 1
    assert agent.call("GET", "/users/HSK7M3PQ").json()["groups"] == ["gold", "night"]
    bad = agent.call("POST", "/batch", json={"vouchers": [{**item, "groups": "gold"}]}).json()
    assert bad["errors"][0]["reason"] == "groups must be a list of group names"


def test_a_scoped_delete_keeps_users_another_scope_owns(agent):
    items = [
        {**VOUCHER, "username": "A1", "owner": "alpha:voucher_batch:1"},
        {**VOUCHER, "username": "A2", "owner": "alpha:subscription:4"},
        {**VOUCHER, "username": "B1", "owner": "beta:router:2"},
        {**VOUCHER, "username": "OLD"},  # no owner recorded
    ]
    assert agent.call("POST", "/batch", json={"vouchers": items}).json()["synced"] == 4
    names = ["A1", "A2", "B1", "OLD", "never-there"]
    body = agent.call("POST", "/delete", json={"usernames": names, "scope": "alpha"}).json()
    assert body == {"deleted": 3, "kept": ["B1"]}
    assert [row_counts(agent, n) for n in ("A1", "A2", "B1", "OLD")] == [
        (0, 0, 0), (0, 0, 0), (5, 4, 1), (0, 0, 0)
    ]  # fmt: skip
    assert agent.call("POST", "/delete", json={"usernames": ["B1"]}).json() == {"deleted": 1}
