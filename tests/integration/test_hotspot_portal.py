"""From the router's splash page to the internet: a device behind a hotspot deployed by radtik
opens a web page, is sent through the router's login page (radtik's login.html) to the
portal with its MAC, pays by M-Pesa (the Daraja simulator), is logged in at the router by the
portal by itself, through FreeRADIUS, shows online in accounting, and reconnects later without
the portal. Everything real but the router and Daraja, whose simulators speak their protocols."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from accounting.ingest import server_ingest
from accounting.models import Session
from billing.models import Subscription
from routers.routeros.client import RouterClient
from routers.routeros.simulator.device import HotspotDevice
from routers.routeros.simulator.hotspot_http import HotspotPages
from tests.support.network import network_deploy
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("live_db", "qcluster", "tenant_hosts_resolve")

MAC = "AA:BB:CC:00:00:42"


class Internet:
    """A web site beyond the hotspot, counting who reached it."""

    def __init__(self) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits += 1
                body = b"<html><body>news of the day</body></html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def internet():
    site = Internet()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def hotspot(
    request, daphne_server, daraja_sim, radius_agent, freeradius, routeros_farm, simulated_nas
):
    """Deployed by radtik; `indirect` parameters add to the hotspot's service configuration."""
    extra = getattr(request, "param", {})
    agent = radius_agent()
    radius = freeradius(agent)
    # Its own address: FreeRADIUS learns it as a client from the deploy (the agent's nas table).
    (sim,) = routeros_farm(1, host="127.0.0.5")
    network = network_deploy(
        agent=agent, radius=radius, sim=sim, daraja_sim=daraja_sim, name="hs-1",
        base_url=f"http://alpha.localhost:{daphne_server}",
        services={"hotspot": {"enabled": True, "interfaces": ["ether2"],
                              "wan_interface": "ether1", "address_pool": "10.5.50.10-10.5.50.200",
                              "gateway": "10.5.50.1", **extra}},
        interfaces={"ether1", "ether2"},
        # RADIUS only (no router user): the login below is FreeRADIUS's Access-Accept.
        packages=({"name": "1 hour", "price": 50, "validity_seconds": 3600},),
    )  # fmt: skip
    server = network.server
    daraja_sim.scenario(delay=1)
    nas = simulated_nas(router=sim)
    pages = HotspotPages(nas).start()
    yield {"sim": sim, "nas": nas, "pages": pages, "server": server, "radius": radius}
    pages.stop()


def pay_on_portal(device: HotspotDevice, page, forms) -> object:
    """Pay the first package on the portal page; the page the router answers once the portal
    has logged the device in by itself."""
    paying = device.submit(page, forms["pay"], phone_number="0712345678")
    assert "/portal/p/" in paying.url and "Check your phone" in paying.text

    def auto_login_form():
        # A browser gets this over the websocket; the simulated device reloads the page.
        reloaded = device.open(paying.url)
        found = [f for f in device.forms(reloaded) if "data-auto-login" in f.attrs]
        return (reloaded, found[0]) if found else None

    paid, form = wait_for(auto_login_form, what="the portal to offer the login")
    assert form.attrs["action"] == "http://10.5.50.1/login"
    return device.submit(paid, form)


def test_a_device_pays_on_the_portal_and_is_online_and_reconnects(hotspot, internet):
    sim, nas = hotspot["sim"], hotspot["nas"]
    # The router's DNS knows the site (a real one would ask upstream).
    sim.state.add_row("/ip/dns/static", {"name": "news.example", "address": "127.0.0.1"})
    news = f"http://news.example:{internet.port}/today"
    device = HotspotDevice(hotspot["pages"], MAC)

    # Any page: the router answers with its login page, which sends the device to the portal.
    page = device.open(news)
    assert internet.hits == 0  # never reached before login
    assert page.status_code == 200 and "/portal/?mac=AA%3ABB%3ACC%3A00%3A00%3A42" in page.url
    forms = {f.attrs.get("name"): f for f in device.forms(page)}
    assert forms["pay"].fields["mac"] == MAC
    assert forms["pay"].fields["login_url"] == "http://10.5.50.1/login"
    assert forms["pay"].fields["link_orig"] == news
    assert "voucher" in forms  # a voucher code can be entered instead
    with RouterClient.connect(sim.credentials()) as api:
        (lease,) = api.print("/ip/dhcp-server/lease")
        (nat,) = api.print("/ip/firewall/nat")
    assert lease["mac-address"] == MAC and lease["address"] == "10.5.50.10"
    assert (nat["action"], nat["out-interface"]) == ("masquerade", "ether1")

    # Pay: the STK push, the simulator's callback, the credentials written to RADIUS; the page
    # logs the device in at the router: an Access-Accept from FreeRADIUS.
    online = pay_on_portal(device, page, forms)
    with schema_context("alpha"):
        subscription = Subscription.objects.get()
    assert f"Connected as {subscription.username}" in online.text, online.text
    (session,) = nas.sessions()
    assert (session.username, session.mac, session.radius) == (subscription.username, MAC, True)
    assert device.open(news).text.endswith("news of the day</body></html>")
    assert internet.hits == 1

    # Accounting shows it online, linked to the subscription.
    def online_in_accounting():
        with schema_context("alpha"):
            server_ingest(server=hotspot["server"])
            return Session.objects.filter(subscription=subscription, is_open=True).first()

    row = wait_for(online_in_accounting, what="the session in accounting")
    assert row.mac_address == MAC

    # Later the device comes back (its session ended): the router's cookie logs it in again
    # through RADIUS, with no portal in between.
    nas.logout(session)
    assert nas.sessions() == []
    again = device.open(news)
    assert again.text.endswith("news of the day</body></html>"), again.text
    (back,) = nas.sessions()
    assert (back.username, back.mac) == (subscription.username, MAC)
    assert internet.hits == 2


REMEMBERED = {"login_methods": ["http-chap", "http-pap", "cookie", "mac-cookie"],
              "cookie_lifetime": "30d"}  # fmt: skip


@pytest.mark.parametrize("hotspot", [REMEMBERED], indirect=True)
def test_a_paid_device_is_remembered_by_its_mac_in_another_browser(hotspot, internet):
    """login-by=mac-cookie: a phone's captive portal window keeps no cookies; the router knows
    the paid device by its MAC and logs it in again through RADIUS, for 30 days."""
    sim, nas, pages = hotspot["sim"], hotspot["nas"], hotspot["pages"]
    sim.state.add_row("/ip/dns/static", {"name": "news.example", "address": "127.0.0.1"})
    news = f"http://news.example:{internet.port}/today"
    with RouterClient.connect(sim.credentials()) as api:
        (profile,) = [p for p in api.print("/ip/hotspot/profile") if p["name"] == "radtik-hs"]
    assert "mac-cookie" in profile["login-by"].split(",")
    assert profile["http-cookie-lifetime"] == "30d"

    device = HotspotDevice(pages, MAC)
    page = device.open(news)
    online = pay_on_portal(device, page, {f.attrs.get("name"): f for f in device.forms(page)})
    with schema_context("alpha"):
        subscription = Subscription.objects.get()
    assert f"Connected as {subscription.username}" in online.text, online.text
    (session,) = nas.sessions()
    nas.logout(session)

    # The same phone in a new window (no cookies): online again, no portal in between.
    window = HotspotDevice(pages, MAC)
    again = window.open(news)
    assert again.text.endswith("news of the day</body></html>"), again.text
    (back,) = nas.sessions()
    assert (back.username, back.mac, back.radius) == (subscription.username, MAC, True)
    # A phone that never paid still lands on the portal.
    stranger = HotspotDevice(pages, "AA:BB:CC:00:00:43")
    assert "/portal/?mac=AA%3ABB%3ACC%3A00%3A00%3A43" in stranger.open(news).url
