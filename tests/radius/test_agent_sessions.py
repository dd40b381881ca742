"""The agent's accounting read back: sessions changed since a cursor, written by real FreeRADIUS
from real Accounting-Requests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time

import pytest

USER = {"username": "ACCT1", "password": "W4TX9CAD"}
MAC = "AA:BB:CC:00:11:22"


def page(agent, after: int = 0, limit: int = 1000) -> dict:
    response = agent.call("GET", f"/sessions?after={after}&limit={limit}")
    assert response.status_code == 200, response.text
    return response.json()


def agent_with_user(backend, request, radius_agent, freeradius):
    """An agent on the backend's store with USER synced, and FreeRADIUS in front of it."""
    db = request.getfixturevalue("radius_postgres_url") if backend == "postgresql" else None
    agent = radius_agent(db)
    assert agent.call("POST", "/batch", json={"vouchers": [USER]}).json()["synced"] == 1
    radius = freeradius(agent)
    return agent, radius


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sessions_changed_since_a_cursor_open_and_closed(
    backend, request, radius_agent, freeradius
):
    agent, radius = agent_with_user(backend, request, radius_agent, freeradius)
    assert page(agent) == {"sessions": [], "cursor": 0, "more": False}

    started = time.time() - 30
    details = {"Calling_Station_Id": MAC, "Framed_IP_Address": "10.5.50.7",
               "NAS_Identifier": "hs-router-1"}  # fmt: skip
    radius.account("ACCT1", "Start", "s-1", at=started, **details)
    first = page(agent)
    (opened,) = first["sessions"]
    assert opened["username"] == "ACCT1" and opened["session_id"] == "s-1"
    assert opened["nas_ip_address"] == "127.0.0.1"
    assert opened["nas_identifier"] == "hs-router-1"
    assert opened["calling_station_id"] == MAC
    assert opened["framed_ip_address"] == "10.5.50.7"
    assert opened["start_time"] and opened["stop_time"] is None
    assert first["cursor"] == opened["change"] and not first["more"]
    # Nothing changed since: the same cursor gives nothing, an old one the same rows again.
    assert page(agent, first["cursor"])["sessions"] == []
    assert page(agent)["sessions"] == first["sessions"]

    # An interim update past 4 GiB (Gigawords) and the Stop move the row on.
    big = 5 * 2**30 + 7
    radius.account("ACCT1", "Interim-Update", "s-1", session_time=20, octets=(big, 1000),
                   at=started + 20, **details)  # fmt: skip
    (updated,) = page(agent, first["cursor"])["sessions"]
    assert updated["id"] == opened["id"] and updated["change"] > opened["change"]
    assert (updated["input_octets"], updated["output_octets"]) == (big, 1000)
    assert updated["session_time"] == 20 and updated["stop_time"] is None
    radius.account("ACCT1", "Stop", "s-1", session_time=30, octets=(big + 10, 2000),
                   at=started + 30, Acct_Terminate_Cause="User-Request", **details)  # fmt: skip
    (stopped,) = page(agent, updated["change"])["sessions"]
    assert stopped["id"] == opened["id"] and stopped["stop_time"]
    assert stopped["terminate_cause"] == "User-Request"
    assert stopped["session_time"] == 30 and stopped["nas_identifier"] == "hs-router-1"

    # Bounded pages, in change order, with `more` until the last.
    for n in range(5):
        radius.account("ACCT1", "Start", f"p-{n}")
    seen, cursor, more = [], stopped["change"], True
    while more:
        body = page(agent, cursor, limit=2)
        seen += [s["session_id"] for s in body["sessions"]]
        cursor, more = body["cursor"], body["more"]
    assert seen == [f"p-{n}" for n in range(5)]

    # Closing stale sessions is a change too.
    radius.account("ACCT1", "Accounting-On", "on-1")
    closed = page(agent, cursor)["sessions"]
    assert sorted(s["session_id"] for s in closed) == [f"p-{n}" for n in range(5)]
    assert all(s["stop_time"] for s in closed)


def test_bad_cursor_or_page_size_is_422(radius_agent):
    agent = radius_agent()
    for query in ("after=-1", "after=x", "limit=0", "limit=5001"):
        response = agent.call("GET", f"/sessions?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"].startswith("Malformed request")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_session_whose_stop_never_came_is_closed_on_request_once(
    backend, request, radius_agent, freeradius
):
    agent, radius = agent_with_user(backend, request, radius_agent, freeradius)
    radius.account("ACCT1", "Start", "s-9")
    (opened,) = page(agent)["sessions"]

    answer = agent.call("POST", f"/sessions/{opened['id']}/close")
    assert answer.status_code == 200 and answer.json() == {"closed": True}
    (closed,) = page(agent, opened["change"])["sessions"]  # a change radtik reads back
    assert closed["id"] == opened["id"] and closed["stop_time"]
    assert closed["terminate_cause"] == "Admin-Reset"

    again = agent.call("POST", f"/sessions/{opened['id']}/close")
    assert again.status_code == 200 and again.json() == {"closed": False}
    assert page(agent, closed["change"])["sessions"] == []  # nothing changed the second time
    missing = agent.call("POST", "/sessions/999999/close")
    assert missing.status_code == 404 and "No session 999999" in missing.json()["detail"]
