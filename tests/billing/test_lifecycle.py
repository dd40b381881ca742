"""A PPPoE subscription after its end: where it stands (grace, renew, suspended), what its
RADIUS user says in each, and the portal's renew page for bad input and between tenants. The
whole path with FreeRADIUS and the simulated NAS is tests/integration/test_pppoe_lifecycle.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.access import subscription_radius_user
from billing.lifecycle import lifecycle_status
from billing.models import Customer, Package, Subscription
from radius.models import RadiusServer

pytestmark = pytest.mark.django_db

GRACE, RENEW = 3600, 2 * 86400


def package(**fields) -> Package:
    return Package(name="Home", price=1500, validity_seconds=30 * 86400, service="pppoe", **fields)


def test_a_subscription_moves_on_at_each_period_end():
    end = timezone.now()
    sub = Subscription(
        package=package(grace_seconds=GRACE, renew_seconds=RENEW), ends_at=end, username="u"
    )
    seconds = timedelta(seconds=1)
    assert lifecycle_status(sub, end - seconds) == "active"
    assert lifecycle_status(sub, end) == "grace"
    assert lifecycle_status(sub, end + GRACE * seconds - seconds) == "grace"
    assert lifecycle_status(sub, end + GRACE * seconds) == "renew"
    assert lifecycle_status(sub, end + (GRACE + RENEW) * seconds - seconds) == "renew"
    assert lifecycle_status(sub, end + (GRACE + RENEW) * seconds) == "suspended"


def test_radius_accepts_until_grace_and_renew_end_and_walls_only_in_renew(tenants):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r", host="127.0.0.1", api_base_url="http://127.0.0.1:1", auth_token="t"
        )
        end = timezone.now()
        sub = Subscription(
            package=package(grace_seconds=GRACE, renew_seconds=RENEW, radius_server=server),
            username="mpabc",
            password="secret12",
            starts_at=end - timedelta(days=30),
            ends_at=end,
            status="grace",
            pk=1,
        )
        user = subscription_radius_user(sub)
        assert user.expires_at == end + timedelta(seconds=GRACE + RENEW)
        assert user.address_list is None
        sub.status = "renew"
        assert subscription_radius_user(sub).address_list == "radtik-renew"
        # A hotspot package keeps its plain end: no grace there.
        sub.package.service = "hotspot"
        assert subscription_radius_user(sub).expires_at == end


@pytest.fixture
def walled(tenants):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r", host="127.0.0.1", api_base_url="http://127.0.0.1:1", auth_token="t"
        )
        pkg = Package.objects.create(
            name="Home 10M", price=1500, validity_seconds=30 * 86400, service="pppoe",
            radius_server=server, grace_seconds=GRACE, renew_seconds=RENEW,
        )  # fmt: skip
        now = timezone.now()
        return Subscription.objects.create(
            customer=Customer.objects.create(phone="254712345678"),
            package=pkg,
            username="mpwalled1",
            password="secret12",
            starts_at=now - timedelta(days=31),
            ends_at=now - timedelta(days=1),
            status="renew",
        )


def test_the_renew_page_shows_the_account_and_refuses_bad_input(walled, tenant_client):
    client = tenant_client("alpha")
    page = client.get("/portal/renew/?account=mpwalled1")
    text = page.content.decode()
    assert page.status_code == 200 and "Home 10M" in text and 'name="phone_number"' in text
    assert "secret12" not in text and "254712345678" not in text
    assert client.get("/portal/renew/").status_code == 200  # the account form
    unknown = client.get("/portal/renew/?account=nobody")
    assert unknown.status_code == 400 and "No subscription" in unknown.content.decode()
    bad = client.post("/portal/renew/", {"account": "mpwalled1", "phone_number": "12"})
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    # Another account's subscription is none of this portal's.
    other = tenant_client("beta").get("/portal/renew/?account=mpwalled1")
    assert other.status_code == 400


def test_the_sweep_moves_only_those_whose_period_ended(walled):
    """The second subscription has no RADIUS server: walling it writes nothing there."""
    from billing.lifecycle import subscriptions_lifecycle_advance
    from radtik.audit.models import AuditEntry

    with schema_context("alpha"):
        now = timezone.now()
        still_grace = Subscription.objects.create(
            customer=Customer.objects.create(phone="254700000001"),
            package=walled.package,
            username="mpgrace01",
            password="secret12",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(seconds=60),
            status="grace",
        )
        # Neither period is over: the walled one's renew period (from its end + 1 h of grace,
        # 2 days) nor the other's hour of grace.
        assert subscriptions_lifecycle_advance(now=now) == {}
        later = now + timedelta(days=1, seconds=3660)
        assert subscriptions_lifecycle_advance(now=later) == {"suspended": 1, "renew": 1}
        walled.refresh_from_db()
        still_grace.refresh_from_db()
        assert (walled.status, walled.cleanup_pending) == ("suspended", True)
        assert (still_grace.status, still_grace.walled_session) == ("renew", True)
        assert subscriptions_lifecycle_advance(now=later) == {}  # nothing moves twice
        entry = AuditEntry.objects.get(action="subscription.lifecycle", object_id=str(walled.pk))
        assert entry.changes == {"status": {"old": "renew", "new": "suspended"}}
