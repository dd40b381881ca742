"""The FreeRADIUS configuration radtik ships (python -m radius.agent freeradius-config), run by the
real FreeRADIUS 3 and asked as a MikroTik asks: Message-Authenticator both ways, data limits
across sessions, RADIUS clients from the agent, sessions closed after a reboot or silence."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from radius.testing.agent import ROOT

GiB = 2**30
USER = {"username": "DATA5G", "password": "W4TX9CAD", "data_limit": 5 * GiB}


def wait_until(condition, timeout: float = 30, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def test_the_command_writes_a_configuration_freeradius_accepts(tmp_path):
    out = tmp_path / "raddb"
    command = [sys.executable, "-m", "radius.agent", "freeradius-config", "--db",
               str(tmp_path / "radius.db"), "--out", str(out), "--as-current-user"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    check = subprocess.run(["freeradius", "-C", "-d", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr
    # A second run would overwrite an operator's directory: refused in one line.
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and "exists" in again.stderr


def test_replies_carry_a_valid_message_authenticator_and_requests_need_one(
    radius_agent, freeradius
):
    agent = radius_agent()
    assert agent.call("POST", "/batch", json={"vouchers": [USER]}).json()["synced"] == 1
    radius = freeradius(agent)
    # auth() verifies the reply's Message-Authenticator as RouterOS >= 7.15 does and raises
    # when the reply has none: accepts and rejects both arrive.
    assert radius.auth("DATA5G", "W4TX9CAD").accepted, radius.tail()
    assert not radius.auth("DATA5G", "wrong").accepted
    with pytest.raises(RuntimeError, match="no valid reply"):
        radius.auth("DATA5G", "W4TX9CAD", message_authenticator=False)
    assert "Message-Authenticator" in radius.tail(400)


def test_post_auth_log_never_stores_the_password(radius_agent, freeradius):
    agent = radius_agent()
    agent.call("POST", "/batch", json={"vouchers": [USER]})
    radius = freeradius(agent)
    assert radius.auth("DATA5G", "W4TX9CAD").accepted
    radius.auth("DATA5G", "typo-password")
    with sqlite3.connect(agent.db) as conn:
        rows = conn.execute("SELECT username, pass, reply FROM radpostauth").fetchall()
    assert {(user, reply) for user, _, reply in rows} == {
        ("DATA5G", "Access-Accept"),
        ("DATA5G", "Access-Reject"),
    }
    assert all(password == "" for _, password, _ in rows), rows


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_data_limit_is_a_total_across_sessions(backend, request, radius_agent, freeradius):
    db = request.getfixturevalue("radius_postgres_url") if backend == "postgresql" else None
    agent = radius_agent(db)
    agent.call("POST", "/batch", json={"vouchers": [USER]})
    radius = freeradius(agent)

    accepted, attributes = radius.auth("DATA5G", "W4TX9CAD")
    assert accepted, radius.tail()
    assert (attributes["Mikrotik-Total-Limit-Gigawords"], attributes["Mikrotik-Total-Limit"]) == (
        "1",
        str(GiB),
    )
    # The first session moves 2.5 GiB (with Gigawords): the next login gets the other 2.5 GiB.
    radius.account("DATA5G", "Start", "s1")
    radius.account("DATA5G", "Stop", "s1", session_time=60, octets=(GiB // 2, 2 * GiB))
    accepted, attributes = radius.auth("DATA5G", "W4TX9CAD")
    assert accepted, radius.tail()
    remaining = 5 * GiB - 5 * GiB // 2
    assert "Mikrotik-Total-Limit-Gigawords" not in attributes  # under 4 GiB left
    assert attributes["Mikrotik-Total-Limit"] == str(remaining)
    # Used up: rejected.
    radius.account("DATA5G", "Start", "s2")
    radius.account("DATA5G", "Stop", "s2", session_time=60, octets=(remaining, 0))
    assert not radius.auth("DATA5G", "W4TX9CAD").accepted


def test_a_router_reboot_frees_simultaneous_use(radius_agent, freeradius):
    agent = radius_agent()
    agent.call("POST", "/batch", json={"vouchers": [{**USER, "simultaneous_use": 1}]})
    radius = freeradius(agent)
    radius.account("DATA5G", "Start", "before-reboot")
    assert not radius.auth("DATA5G", "W4TX9CAD").accepted  # the session is open
    # The router restarted: its Accounting-On closes every session it had open.
    radius.account("", "Accounting-On", "reboot")
    assert radius.auth("DATA5G", "W4TX9CAD").accepted, radius.tail()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_agent_closes_sessions_silent_for_three_interim_intervals(
    backend, request, radius_agent, freeradius
):
    db = request.getfixturevalue("radius_postgres_url") if backend == "postgresql" else None
    # 2 s for users without an interval of their own (the shipped default's 3 intervals).
    agent = radius_agent(db, stale_after=2)
    users = {"DEFAULT1": None, "EVERY60": 60, "EVERY3600": 3600}
    vouchers = [{"username": name, "password": "W4TX9CAD", "simultaneous_use": 1,
                 "interim_interval": interval} for name, interval in users.items()]  # fmt: skip
    assert agent.call("POST", "/batch", json={"vouchers": vouchers}).json()["synced"] == 3
    radius = freeradius(agent)
    # Routers that lost power never say so: each session's last word was 10 minutes ago.
    for name in users:
        radius.account(name, "Start", f"s-{name}", at=time.time() - 600)

    def sessions() -> dict[str, dict]:
        page = agent.call("GET", "/sessions", params={"after": 0}).json()["sessions"]
        return {s["username"]: s for s in page}

    def stale(name: str) -> bool:
        return sessions()[name]["terminate_cause"] == "Stale-Session"

    # 600 s is over 3 x 60 s (and over 2 s): closed, so the voucher logs in again.
    assert wait_until(lambda: stale("DEFAULT1") and stale("EVERY60")), agent.tail()
    assert radius.auth("EVERY60", "W4TX9CAD").accepted, radius.tail()
    # Under 3 x 3600 s: still online, so Simultaneous-Use still holds.
    assert sessions()["EVERY3600"]["stop_time"] is None
    assert not radius.auth("EVERY3600", "W4TX9CAD").accepted


def test_a_router_is_a_client_once_radtik_names_it(radius_agent, freeradius):
    agent = radius_agent()
    agent.call("POST", "/batch", json={"vouchers": [USER]})
    radius = freeradius(agent)
    router, secret = "127.0.0.7", b"router-7-secret"
    # Unknown to FreeRADIUS: no answer at all.
    with pytest.raises(RuntimeError):
        radius.auth("DATA5G", "W4TX9CAD", source=router, secret=secret)

    answer = agent.call("PUT", f"/clients/{router}", json={"secret": secret.decode(),
                                                            "shortname": "hs-1"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert agent.call("GET", "/clients").json() == {
        "clients": [{"address": router, "shortname": "hs-1"}]
    }

    # Its first login works with no edit of clients.conf (a NAS retransmits while FreeRADIUS
    # looks the new client up).
    def accepted() -> bool:
        try:
            return radius.auth("DATA5G", "W4TX9CAD", source=router, secret=secret).accepted
        except RuntimeError:
            return False

    assert wait_until(accepted, timeout=30, every=0.5), radius.tail(200)
    # A wrong secret never gets a reply it could verify.
    with pytest.raises(RuntimeError):
        radius.auth("DATA5G", "W4TX9CAD", source=router, secret=b"guessed")

    assert agent.call("PUT", "/clients/not-an-ip", json={"secret": "x"}).status_code == 422
    assert agent.call("DELETE", f"/clients/{router}").json() == {"deleted": 1}
    assert agent.call("DELETE", f"/clients/{router}").status_code == 404
