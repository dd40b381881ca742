"""A PPPoE subscriber after the end of what they paid for: a grace period with service as
before, then walled (the router puts them on the renew list: only the portal's renew page),
then suspended (FreeRADIUS rejects); paying on the renew page restores service at once (the
walled session is ended, the next login has the package's limits). Real FreeRADIUS, agent,
task cluster and portal; the router (NAS) and Daraja are the simulators."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Package, Payment, Subscription
from billing.tasks import ExpireSubscriptions
from radius.choices import COA_PORT
from radtik.audit.models import AuditEntry
from radtik.jobs.services import job_enqueue
from routers.routeros.client import RouterClient
from tests.support.jobs import wait_job
from tests.support.network import network_deploy
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("live_db", "qcluster", "tenant_hosts_resolve")

MAC = "AA:BB:CC:00:01:07"
GRACE, RENEW = 600, 900
LIST = "Mikrotik-Address-List"


@pytest.fixture
def pppoe(daphne_server, daraja_sim, radius_agent, freeradius, routeros_farm, simulated_nas):
    agent = radius_agent()
    radius = freeradius(agent)
    (sim,) = routeros_farm(1, host="127.0.0.6")
    base = f"http://alpha.localhost:{daphne_server}"
    network_deploy(
        agent=agent, radius=radius, sim=sim, daraja_sim=daraja_sim, name="isp-1", base_url=base,
        services={"pppoe": {"enabled": True, "interfaces": ["ether3"], "service_name": "isp",
                            "pool_range": "10.10.0.2-10.10.0.254", "local_address": "10.10.0.1",
                            "wan_interface": "ether1"}},
        interfaces={"ether1", "ether3"},
        # Sold by the router (its sessions end over the API when Disconnect is not answered).
        packages=({"name": "Home 10M", "price": 1500, "validity_seconds": 30 * 86400,
                   "service": "pppoe", "rate_limit": "5M/10M", "router": True,
                   "grace_seconds": GRACE, "renew_seconds": RENEW},),
    )  # fmt: skip
    with schema_context("alpha"):
        package = Package.objects.get()
    daraja_sim.scenario(delay=1)
    # Disconnect-Requests reach it where a MikroTik listens (its own address on loopback).
    nas = simulated_nas(router=sim, coa_port=COA_PORT)
    yield {"sim": sim, "nas": nas, "base": base, "package": package}


def post_form(client: requests.Session, url: str, **fields: str) -> requests.Response:
    """Submit a portal form as a browser does: its CSRF token from the page first."""
    page = client.get(url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client.post(
        url, data={"csrfmiddlewaretoken": token, **fields}, headers={"Referer": url}, timeout=30
    )


def subscription() -> Subscription:
    with schema_context("alpha"):
        return Subscription.objects.select_related("package").get()


def synced() -> bool:
    with schema_context("alpha"):
        return Subscription.objects.filter(radius_state="synced").exists()


def sweep() -> None:
    """The minute's expiry job, now (the cluster runs it every minute as well)."""
    with schema_context("alpha"):
        job = job_enqueue(kind=ExpireSubscriptions)
    done = wait_job(job.pk, timeout=60)
    assert done.status == "succeeded", done.error


def ended(seconds_ago: int) -> None:
    """Its paid period ended `seconds_ago` (instead of waiting 30 days)."""
    with schema_context("alpha"):
        Subscription.objects.update(ends_at=timezone.now() - timedelta(seconds=seconds_ago))


def login(nas, sub):
    return nas.login(sub.username, sub.password, service="pppoe", mac=MAC)


def sessions_ended(nas, what: str, timeout: float = 60) -> None:
    """The router has no session left and has delivered their Stops: a device dials again
    only after that, and until the Stop is in radacct Simultaneous-Use counts the session."""
    wait_for(lambda: nas.sessions() == [], what=what, timeout=timeout)
    nas.flush()


def address_list(sim) -> list[dict[str, str]]:
    with RouterClient.connect(sim.credentials()) as api:
        return api.print("/ip/firewall/address-list", list="radtik-renew")


def test_pppoe_expiry_grace_renew_pay_restored_then_suspended(pppoe):
    sim, nas, base = pppoe["sim"], pppoe["nas"], pppoe["base"]
    client = requests.Session()

    # The walled garden the deploy built: the renew list's web traffic to the proxy, which
    # sends it to the portal's renew page; the rest dropped.
    with RouterClient.connect(sim.credentials()) as api:
        (redirect,) = api.print("/ip/firewall/nat", comment="radtik-renew-redirect")
        (proxy_rule,) = api.print("/ip/proxy/access", comment="radtik-renew-redirect")
        (wall,) = api.print("/ip/firewall/filter", comment="radtik-renew-wall")
        proxy = api.print("/ip/proxy")[0]
    assert (redirect["src-address-list"], redirect["action"]) == ("radtik-renew", "redirect")
    assert proxy_rule["redirect-to"].endswith("/portal/renew/") and proxy["enabled"] == "true"
    assert (wall["src-address-list"], wall["action"]) == ("radtik-renew", "drop")

    # Bought on the portal: online with the package's limits.
    paying = post_form(
        client, f"{base}/portal/", package_id=str(pppoe["package"].pk), phone_number="0712345678"
    )
    assert "/portal/p/" in paying.url
    wait_for(synced, what="the credentials in RADIUS", timeout=60)
    sub = subscription()
    first = login(nas, sub)
    assert first.accepted, first.message
    assert first.reply["Mikrotik-Rate-Limit"] == "5M/10M" and LIST not in first.reply

    # Just past its end: the grace period, service as before.
    ended(60)
    sweep()
    assert subscription().status == "grace"
    assert [s.username for s in nas.sessions()] == [sub.username]
    nas.logout(first.session)
    during_grace = login(nas, sub)
    assert during_grace.accepted and LIST not in during_grace.reply

    # Past the grace period: walled. Its session is ended and the next login is on the list.
    ended(GRACE + 60)
    sweep()
    assert subscription().status == "renew"
    sessions_ended(nas, "the session before the wall to end")
    walled = login(nas, sub)
    assert walled.accepted, walled.message
    assert walled.reply[LIST] == "radtik-renew"
    (entry,) = address_list(sim)
    assert entry["address"] == walled.session.ip and entry["dynamic"] == "true"

    # The renew page (where the router sends its web traffic) shows the subscription.
    page = client.get(f"{base}/portal/renew/?account={sub.username}", timeout=30)
    assert page.status_code == 200
    assert "Home 10M" in page.text and "only this page works until you renew" in page.text
    unknown = client.get(f"{base}/portal/renew/?account=nobody", timeout=30)
    assert unknown.status_code == 400 and "No subscription" in unknown.text

    # Paid there (another phone may pay for the account): restored at once.
    renewing = post_form(
        client,
        f"{base}/portal/renew/?account={sub.username}",
        account=sub.username,
        phone_number="0722000111",
    )
    assert "/portal/p/" in renewing.url and "Check your phone" in renewing.text
    sessions_ended(nas, "the walled session to be ended")
    restored_sub = subscription()
    assert restored_sub.status == "active" and restored_sub.ends_at > timezone.now()
    assert restored_sub.walled_session is False
    # The payer named the account only: the page says renewed, never the password.
    paid_page = client.get(renewing.url, timeout=30).text
    assert "Renewed!" in paid_page and sub.username in paid_page
    assert sub.password not in paid_page
    restored = login(nas, sub)
    assert restored.accepted and LIST not in restored.reply
    assert restored.reply["Mikrotik-Rate-Limit"] == "5M/10M"
    assert address_list(sim) == []
    with schema_context("alpha"):
        renewal = Payment.objects.get(phone="254722000111")
        assert renewal.status == "completed" and renewal.subscription_id == sub.pk
        moves = list(
            AuditEntry.objects.filter(
                object_id=str(sub.pk),
                action__in=["subscription.lifecycle", "subscription.restored"],
            )
            .order_by("id")
            .values_list("action", "changes")
        )
    assert [changes.get("status", {"new": "restored"})["new"] for _, changes in moves] == [
        "grace",
        "renew",
        "restored",
    ]

    # Unpaid past grace and renew: suspended, the session ended, FreeRADIUS rejects.
    ended(GRACE + RENEW + 60)
    sweep()
    assert subscription().status == "suspended"
    sessions_ended(nas, "the suspended session to end")
    refused = login(nas, sub)
    assert not refused.accepted
