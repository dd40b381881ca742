"""The simulated router as a NAS: real RADIUS (pyrad) to the real FreeRADIUS built from the
shipped configuration, sessions visible over the RouterOS API, accounting in radacct, RFC 5176
Disconnect/CoA, a reboot's Accounting-On. Simulated time (nas.advance) keeps it exact."""

from __future__ import annotations

import io
import re
import sqlite3
import time

import pytest
import requests
from pyrad.client import Client, Timeout
from pyrad.packet import CoAACK, CoARequest, DisconnectACK, DisconnectNAK, DisconnectRequest

from radius.testing.dictionary import radius_dictionary
from radius.testing.freeradius import SECRET
from routers.routeros.client import RouterClient
from routers.routeros.simulator.cli import start_simulated_routers
from routers.routeros.simulator.hotspot_http import HotspotPages
from routers.routeros.simulator.nas import configure_radius

MB = 10**6
VOUCHER = {"username": "HS42QX", "password": "K7PW3M", "data_limit": 3 * MB,
           "time_limit": 600, "simultaneous_use": 1, "rate_limit": "2M/8M"}  # fmt: skip


def radacct(db: str) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM radacct ORDER BY radacctid").fetchall()
    return [dict(r) for r in rows]


@pytest.fixture
def setup(radius_agent, freeradius, simulated_nas):
    agent = radius_agent()
    assert agent.call("POST", "/batch", json={"vouchers": [VOUCHER]}).json()["synced"] == 1
    radius = freeradius(agent)
    return agent, radius, simulated_nas(radius)


def test_a_hotspot_login_form_logs_in_through_freeradius_and_is_accounted(setup):
    agent, radius, nas = setup
    pages = HotspotPages(nas).start()
    try:
        form = requests.get(pages.login_url, timeout=10)
        assert form.status_code == 200 and 'name="password"' in form.text
        wrong = requests.post(pages.login_url, data={"username": "HS42QX", "password": "x"},
                              timeout=30)  # fmt: skip
        assert "invalid username or password" in wrong.text
        done = requests.post(pages.login_url, timeout=30, data={
            "username": "HS42QX", "password": "K7PW3M", "mac": "AA:BB:CC:00:00:01",
            "ip": "10.5.50.77"})  # fmt: skip
        assert "You are logged in as <b>HS42QX</b>" in done.text, radius.tail()
    finally:
        pages.stop()
    # The profile logs in with http-chap: FreeRADIUS checked a CHAP response.
    assert "CHAP-Password" in radius.tail(400)

    with RouterClient.connect(nas.router.credentials()) as api:
        (active,) = api.print("/ip/hotspot/active")
    assert (active["user"], active["address"], active["mac-address"]) == (
        "HS42QX", "10.5.50.77", "AA:BB:CC:00:00:01")  # fmt: skip
    assert active["radius"] == "true" and active["login-by"] == "http-chap"
    (start,) = radacct(agent.db)
    assert (start["username"], start["framedipaddress"], start["acctstoptime"]) == (
        "HS42QX", "10.5.50.77", None)  # fmt: skip

    # Rate limit 2M/8M: at most 8 Mbit/s (1 MB/s) down; interim updates every 60 s (the reply).
    (session,) = nas.sessions()
    nas.set_traffic(session, download=5 * MB, upload=1000)
    assert session.interim == 60
    nas.advance(2)
    with RouterClient.connect(nas.router.credentials()) as api:
        (active,) = api.print("/ip/hotspot/active")
        assert (active["bytes-out"], active["bytes-in"], active["uptime"]) == ("2000000", "2000",
                                                                              "2s")  # fmt: skip
        # Removed over the API (a kick): the session ends with a Stop.
        api.remove("/ip/hotspot/active", active[".id"])
    nas.flush()
    (stop,) = radacct(agent.db)
    assert stop["acctterminatecause"] == "Admin-Reset"
    assert (int(stop["acctoutputoctets"]), int(stop["acctsessiontime"])) == (2 * MB, 2)
    assert nas.sessions() == []


def test_interim_updates_and_the_data_limit_across_sessions(setup):
    agent, radius, nas = setup
    first = nas.login("HS42QX", "K7PW3M", download=10_000, upload=0)
    assert first.accepted, radius.tail()
    assert first.reply["Mikrotik-Total-Limit"] == str(3 * MB)
    nas.advance(150)  # interims at 60 and 120 s
    assert [status for status, _ in nas.sent] == ["Start", "Interim-Update", "Interim-Update"]
    (row,) = radacct(agent.db)
    assert int(row["acctoutputoctets"]) == 1_200_000 and row["acctstoptime"] is None
    nas.logout(first.session)
    (row,) = radacct(agent.db)
    assert row["acctterminatecause"] == "User-Request"
    assert int(row["acctoutputoctets"]) == 1_500_000

    # The second session gets what remains, and stops exactly there.
    second = nas.login("HS42QX", "K7PW3M", download=10_000)
    assert second.reply["Mikrotik-Total-Limit"] == str(1_500_000), radius.tail()
    nas.advance(400)
    assert nas.sessions() == []
    last = radacct(agent.db)[-1]
    assert (int(last["acctoutputoctets"]), int(last["acctsessiontime"])) == (1_500_000, 150)
    assert last["acctterminatecause"] == "Session-Timeout"
    third = nas.login("HS42QX", "K7PW3M")
    assert not third.accepted and third.session is None


def test_session_timeout_ends_the_session(setup):
    agent, radius, nas = setup
    result = nas.login("HS42QX", "K7PW3M")
    assert result.session.session_timeout == 600
    nas.advance(599)
    assert nas.sessions()
    nas.advance(5)
    assert nas.sessions() == [] and nas.router.state.rows("/ip/hotspot/active") == []
    (row,) = radacct(agent.db)
    assert (row["acctterminatecause"], int(row["acctsessiontime"])) == ("Session-Timeout", 600)


def test_pppoe_login_shows_in_ppp_active_and_an_api_remove_stops_it(setup):
    agent, radius, nas = setup
    result = nas.login("HS42QX", "K7PW3M", service="pppoe", mac="AA:BB:CC:00:00:09")
    assert result.accepted, radius.tail()
    with RouterClient.connect(nas.router.credentials()) as api:
        (active,) = api.print("/ppp/active")
        assert (active["name"], active["caller-id"], active["service"]) == (
            "HS42QX", "AA:BB:CC:00:00:09", "pppoe")  # fmt: skip
        api.remove("/ppp/active", active[".id"])
    nas.flush()
    (row,) = radacct(agent.db)
    assert row["acctterminatecause"] == "Admin-Reset" and row["acctstoptime"] is not None


def coa_client(nas) -> Client:
    client = Client(server="127.0.0.1", coaport=nas.coa_port, secret=SECRET,
                    dict=radius_dictionary())  # fmt: skip
    client.retries, client.timeout = 1, 2
    return client


def test_disconnect_request_ends_the_session_and_unknown_ones_are_nakked(setup):
    agent, radius, nas = setup
    session = nas.login("HS42QX", "K7PW3M").session
    client = coa_client(nas)
    unknown = client.SendPacket(client.CreateCoAPacket(code=DisconnectRequest, User_Name="NOBODY"))
    assert unknown.code == DisconnectNAK and unknown["Error-Cause"] == ["Session-Context-Not-Found"]

    change = client.CreateCoAPacket(code=CoARequest, Acct_Session_Id=session.id,
                                    Session_Timeout=30)  # fmt: skip
    assert client.SendPacket(change).code == CoAACK
    assert nas.session(session.id).session_timeout == 30

    done = client.SendPacket(client.CreateCoAPacket(code=DisconnectRequest, User_Name="HS42QX",
                                                    Acct_Session_Id=session.id))  # fmt: skip
    assert done.code == DisconnectACK
    nas.flush()
    assert nas.sessions() == []
    (row,) = radacct(agent.db)
    assert row["acctterminatecause"] == "Admin-Reset"


def test_a_router_that_ignores_coa_never_answers(setup):
    agent, radius, nas = setup
    nas.login("HS42QX", "K7PW3M")
    nas.accept_coa = False  # /radius incoming accept=no
    client = coa_client(nas)
    with pytest.raises(Timeout):
        client.SendPacket(client.CreateCoAPacket(code=DisconnectRequest, User_Name="HS42QX"))
    assert len(nas.sessions()) == 1
    # A wrong secret is not answered either.
    nas.accept_coa = True
    client.secret = b"not-the-secret"
    with pytest.raises(Timeout):
        client.SendPacket(client.CreateCoAPacket(code=DisconnectRequest, User_Name="HS42QX"))
    assert len(nas.sessions()) == 1


def test_a_reboot_sends_accounting_on_which_frees_simultaneous_use(setup):
    agent, radius, nas = setup
    assert nas.login("HS42QX", "K7PW3M").accepted
    refused = nas.login("HS42QX", "K7PW3M")  # Simultaneous-Use 1, the first session is open
    assert not refused.accepted
    nas.reboot()
    assert nas.router.state.rows("/ip/hotspot/active") == []
    assert nas.login("HS42QX", "K7PW3M").accepted, radius.tail()
    rows = radacct(agent.db)
    assert rows[0]["acctstoptime"] is not None and rows[1]["acctstoptime"] is None


def test_no_radius_server_answering_is_said_on_the_login_page(
    radius_agent, simulated_nas, routeros_farm
):
    router = routeros_farm(1)[0]
    configure_radius(router, address="127.0.0.1", secret="x" * 10, auth_port=9, acct_port=9)
    router.state.set_row("/radius", router.state.rows("/radius")[0][".id"], {"timeout": "1s"})
    nas = simulated_nas(router=router)
    result = nas.login("HS42QX", "K7PW3M")
    assert (result.accepted, result.message) == (False, "RADIUS server is not responding")


def test_make_runs_routers_serve_a_login_page_and_account_on_the_wall_clock(setup):
    """`manage.py simulate_routers --hotspot-base-port` (what `make run` starts)."""
    agent, radius, _ = setup
    out = io.StringIO()
    farm = start_simulated_routers(count=1, base_port=0, user="u", password="p",
                                   hotspot_base_port=0, out=out)  # fmt: skip
    try:
        (login_url,) = re.findall(r"hotspot login (http://\S+/login)", out.getvalue())
        router = farm.routers[0]
        configure_radius(router, address="127.0.0.1", secret=SECRET.decode(),
                         auth_port=radius.auth_port, acct_port=radius.acct_port)  # fmt: skip
        page = requests.post(login_url, data={"username": "HS42QX", "password": "K7PW3M"},
                             timeout=30)  # fmt: skip
        assert "You are logged in as <b>HS42QX</b>" in page.text, radius.tail()

        def moved() -> bool:
            (active,) = router.state.rows("/ip/hotspot/active")
            return active["uptime"] != "0s" and int(active["bytes-out"]) > 0

        deadline = time.monotonic() + 30
        while not moved() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert moved()
        status = requests.get(login_url.replace("/login", "/status"), cookies=page.cookies,
                              timeout=10)  # fmt: skip
        assert "Logged in as <b>HS42QX</b>" in status.text
    finally:
        farm.stop()
    # Stopping the routers stopped their NAS and pages too.
    with pytest.raises(requests.ConnectionError):
        requests.get(login_url, timeout=5)
