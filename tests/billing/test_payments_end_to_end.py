"""M-Pesa to WiFi end to end: portal → Daraja simulator → callback over daphne → qcluster →
RADIUS agent → FreeRADIUS, the router simulator, and the portal's websocket."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.inbox import MAX_ATTEMPTS, inbox_wake
from billing.models import DarajaSettings, Package, Payment, PaymentCallback, Subscription
from billing.mpesa.simulator.callbacks import callback_body
from billing.tasks import (
    ExpireSubscriptions,
    ProcessPayment,
    ProvisionRouterUser,
    ReconcilePayments,
)
from provisioning.models import RouterConfig
from radius.services import radius_server_create
from radtik.jobs.models import Job
from radtik.jobs.periodic import redeliver_stuck_jobs
from radtik.jobs.registry import JobKind
from radtik.jobs.services import job_enqueue
from routers.models import Router
from tests.billing.support import FAIL_PAYMENT_UPDATE

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


def wait_for(predicate, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context("alpha"):
            value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def finished_job(kind: JobKind, timeout: float = 30) -> Job:
    return wait_for(
        lambda: Job.objects.filter(kind=kind.name, status__in=["succeeded", "failed"]).first(),
        timeout,
        f"a finished {kind.name} job",
    )


@pytest.fixture
def shop(
    daraja_sim,
    daphne_server,
    radius_agent,
    freeradius,
    routeros_router,
    tenants,
    tenant_hosts_resolve,
):
    agent = radius_agent()
    creds = daraja_sim.credentials
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        router = Router.objects.create(
            name="hs-1",
            host="127.0.0.1",
            api_port=routeros_router.port,
            api_username="admin",
            api_password="admin",
        )
        # The hotspot the portal's link-login-only names (billing.login_links accepts only these).
        RouterConfig.objects.create(
            router=router, version=1, config={"hotspot": {"gateway": "10.5.50.1"}}
        )
        DarajaSettings.objects.create(
            shortcode=creds.shortcode,
            passkey=creds.passkey,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            base_url=daraja_sim.base_url,
            callback_base_url=f"http://alpha.localhost:{daphne_server}",
        )
        package = Package.objects.create(
            name="1 hour",
            price=50,
            validity_seconds=3600,
            time_limit=3600,
            data_limit=2 * 2**30,
            rate_limit="2M/5M",
            devices=1,
            router=router,
            radius_server=server,
        )
    return {
        "agent": agent,
        "radius": freeradius(agent),
        "package": package,
        "router": routeros_router,
        "port": daphne_server,
        "sim": daraja_sim,
    }


async def watch_portal(port: int, token: str, page: str, since: float, timeout: float = 60) -> str:
    """Connect as the anonymous portal page does; return the fragment with the credentials.
    As the page's script does (static/radtik.js), a change made before the socket listened
    (the socket's "ready" frame names its moment) is read from the page itself, once."""
    import websockets

    ws = await websockets.connect(
        f"ws://alpha.localhost:{port}/ws/?format=html&topics=payment.{token}",
        host="127.0.0.1",
        port=port,
        additional_headers={"Origin": f"http://alpha.localhost:{port}"},
        open_timeout=10,
    )
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await ws.recv()
                if "data-password" in message:
                    return message
                if message.startswith("{") and (frame := json.loads(message))["type"] == "ready":
                    if (frame["last"] or 0) > since - 1:
                        html = await asyncio.to_thread(portal_page, port, page)
                        if "data-password" in html:
                            return html
    finally:
        await ws.close()


def portal_page(port: int, path: str) -> str:
    headers = {"Host": f"alpha.localhost:{port}"}
    return requests.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30).text


def router_users(router, name: str) -> list[dict]:
    return [row for row in router.state.rows("/ip/hotspot/user") if row["name"] == name]


def test_portal_payment_to_freeradius_accept_with_triple_concurrent_callback(shop):
    # Three concurrent copies of the callback, a second after the push.
    shop["sim"].scenario(delay=1.5, duplicates=3, concurrent=True)
    portal = Client(HTTP_HOST="alpha.localhost")
    response = portal.post(
        "/portal/?mac=AA:BB:CC:DD:EE:01",
        {
            "package_id": shop["package"].pk,
            "phone_number": "0712345678",
            "mac": "AA:BB:CC:DD:EE:01",
            "login_url": "http://10.5.50.1/login",
        },
    )
    assert response.status_code == 302, response.content
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    since = time.time()  # the page's moment, as its meta live-since says
    assert portal.get(response["Location"]).status_code == 200

    fragment = asyncio.run(watch_portal(shop["port"], token, response["Location"], since))
    username = re.search(r"data-username>([^<]+)<", fragment).group(1)
    password = re.search(r"data-password>([^<]+)<", fragment).group(1)
    assert 'action="http://10.5.50.1/login" data-auto-login' in fragment

    accept = shop["radius"].auth(username, password)
    assert accept.accepted, shop["radius"].tail()
    assert accept.attributes["Mikrotik-Rate-Limit"] == "2M/5M"
    # The package's hour, or the time left before the subscription ends if the agent caps it.
    assert 3590 <= int(accept.attributes["Session-Timeout"]) <= 3600
    assert not shop["radius"].auth(username, password + "x").accepted

    shop["sim"].wait_for_callbacks(3, timeout=10)
    wait_for(
        lambda: sorted(PaymentCallback.objects.values_list("outcome", flat=True))
        == ["accepted", "duplicate", "duplicate"],
        what="all three copies matched: one accepted, two duplicates",
    )
    with schema_context("alpha"):
        payment = Payment.objects.get()
        assert payment.status == "completed" and payment.resolved_via == "callback"
        assert payment.raw_request["callback_url"].endswith("/***/")
        assert Subscription.objects.count() == 1
        assert Job.objects.filter(kind=ProcessPayment.name).count() == 1
    assert [d.status_code for d in shop["sim"].callbacks()] == [200, 200, 200]

    # The router is in local-user mode: the hotspot user is there too.
    assert finished_job(ProvisionRouterUser).status == "succeeded"
    assert len(router_users(shop["router"], username)) == 1

    # Expiry: FreeRADIUS rejects and the router user is gone.
    with schema_context("alpha"):
        Subscription.objects.update(ends_at=timezone.now())
        job_enqueue(kind=ExpireSubscriptions)
    assert finished_job(ExpireSubscriptions).status == "succeeded"
    assert not shop["radius"].auth(username, password).accepted
    assert router_users(shop["router"], username) == []
    with schema_context("alpha"):
        assert Subscription.objects.get().status == "expired"


def test_lost_callback_is_completed_by_the_query_job(shop):
    shop["sim"].scenario(deliver=False)
    with schema_context("alpha"):
        Package.objects.update(router=None)
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/api/payments/initiate",
        {"package_id": shop["package"].pk, "phone_number": "+254 712 345 679"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    with schema_context("alpha"):
        job_enqueue(kind=ReconcilePayments, params={"older_than_seconds": 0})
    reconcile = finished_job(ReconcilePayments)
    assert reconcile.status == "succeeded" and reconcile.result["resolved"] == 1
    payment = wait_for(
        lambda: Payment.objects.filter(status="completed").select_related("subscription").first(),
        what="the payment completed by STK query",
    )
    assert payment.resolved_via == "query"
    assert finished_job(ProcessPayment).status == "succeeded"
    subscription = payment.subscription
    assert shop["radius"].auth(subscription.username, subscription.password).accepted
    with schema_context("alpha"):
        assert not PaymentCallback.objects.exists()


def test_callback_whose_wake_up_was_lost_is_matched_by_the_minute_check(shop):
    # Stored, but the drain was never woken (Redis was down at that moment, say).
    txn = SimpleNamespace(
        merchant_request_id="29115-1",
        checkout_request_id="ws_CO_lost_wake",
        result_code=0,
        result_desc="The service request is processed successfully.",
        callback_amount=50,
        receipt="QLW1C2D3E4",
        phone="254712345670",
    )
    with schema_context("alpha"):
        Package.objects.update(router=None)
        payment = Payment.objects.create(
            package=shop["package"],
            phone=txn.phone,
            amount=50,
            checkout_request_id=txn.checkout_request_id,
        )
        PaymentCallback.objects.create(
            checkout_request_id=txn.checkout_request_id,
            body=json.dumps(callback_body(txn, "20261201101010")),
            outcome="received",
        )
        PaymentCallback.objects.update(received_at=timezone.now() - timedelta(minutes=1))
    redeliver_stuck_jobs()  # what the minute schedule runs
    completed = wait_for(
        lambda: Payment.objects.filter(pk=payment.pk, status="completed")
        .select_related("subscription")
        .first(),
        what="the payment completed after the minute check woke the inbox",
    )
    assert finished_job(ProcessPayment).status == "succeeded"  # credentials are in RADIUS
    with schema_context("alpha"):
        assert PaymentCallback.objects.get().outcome == "accepted"
    subscription = completed.subscription
    assert shop["radius"].auth(subscription.username, subscription.password).accepted


def post_to_daphne(port: int, secret: str, body: str) -> requests.Response:
    return requests.post(
        f"http://127.0.0.1:{port}/api/payments/mpesa/callback/{secret}/",
        data=body,
        headers={"Host": f"alpha.localhost:{port}", "Content-Type": "application/json"},
        timeout=30,
    )


def paid_callback(checkout: str, receipt: str, amount: object = 50) -> str:
    txn = SimpleNamespace(
        merchant_request_id="29115-1",
        checkout_request_id=checkout,
        result_code=0,
        result_desc="The service request is processed successfully.",
        callback_amount=amount,
        receipt=receipt,
        phone="254712345670",
    )
    return json.dumps(callback_body(txn, "20261201101010"))


def pending_payments(shop, *checkouts: str) -> str:
    """Pending payments for `checkouts`; returns the callback secret."""
    with schema_context("alpha"):
        Package.objects.update(router=None)
        for checkout in checkouts:
            Payment.objects.create(
                package=shop["package"],
                phone="254712345670",
                amount=50,
                checkout_request_id=checkout,
            )
        return DarajaSettings.objects.get().callback_secret


def served_by_callback(*checkouts: str) -> bool:
    return Payment.objects.filter(
        checkout_request_id__in=checkouts, status="completed", resolved_via="callback"
    ).count() == len(checkouts)


@pytest.mark.parametrize(
    "poison",
    [{"receipt": "Q" * 40}, {"amount": 1e20}],
    ids=["40-character receipt", "amount 1e20"],
)
def test_out_of_range_callback_between_two_good_ones_blocks_neither(shop, poison):
    secret = pending_payments(shop, "ws_CO_first", "ws_CO_poison", "ws_CO_last")
    first = post_to_daphne(shop["port"], secret, paid_callback("ws_CO_first", "QFA1C2D3E4"))
    receipt, amount = poison.get("receipt", "QPO1C2D3E4"), poison.get("amount", 50)
    bad = post_to_daphne(shop["port"], secret, paid_callback("ws_CO_poison", receipt, amount))
    last = post_to_daphne(shop["port"], secret, paid_callback("ws_CO_last", "QLA1C2D3E4"))
    assert (first.status_code, bad.status_code, last.status_code) == (200, 400, 200)
    assert bad.json()["ResultCode"] == 1 and bad.json()["ResultDesc"].startswith("Rejected:")
    wait_for(
        lambda: served_by_callback("ws_CO_first", "ws_CO_last"),
        what="both good payments served by their callbacks",
    )
    with schema_context("alpha"):
        assert Payment.objects.get(checkout_request_id="ws_CO_poison").status == "pending"
        rejected = PaymentCallback.objects.get(outcome="malformed")
        assert rejected.error and rejected.payment is None


@pytest.fixture
def refused_payment_update():
    """A payment whose row the database refuses to update: its callback fails in the drain."""
    with connection.cursor() as cursor:
        cursor.execute(FAIL_PAYMENT_UPDATE)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS alpha.test_refuse_update() CASCADE")


def test_callback_failing_in_the_drain_is_set_aside_while_the_rest_are_served(
    shop, refused_payment_update, make_user, tenant_client
):
    secret = pending_payments(shop, "ws_CO_first", "ws_CO_poison", "ws_CO_last")
    for checkout, receipt in [
        ("ws_CO_first", "QFA1C2D3E4"),
        ("ws_CO_poison", "QPO1C2D3E4"),
        ("ws_CO_last", "QLA1C2D3E4"),
    ]:
        assert post_to_daphne(shop["port"], secret, paid_callback(checkout, receipt)).ok
    wait_for(
        lambda: served_by_callback("ws_CO_first", "ws_CO_last"),
        what="both good payments served while the one between them fails",
    )
    # Later drains (the minute check wakes them) try it again, then set it aside.
    poison = wait_for(
        lambda: PaymentCallback.objects.filter(
            checkout_request_id="ws_CO_poison", attempts=1
        ).first(),
        what="the failing callback's first try counted",
    )
    for tries in range(1, MAX_ATTEMPTS):
        inbox_wake("alpha", force=True)
        poison = wait_for(
            lambda tries=tries, pk=poison.pk: PaymentCallback.objects.filter(
                pk=pk, attempts__gt=tries
            ).first(),
            what="another try of the failing callback",
        )
    assert poison.outcome == "quarantine"
    assert poison.attempts == MAX_ATTEMPTS and "refused by a test trigger" in poison.error

    operator = tenant_client("alpha", make_user("alpha", "ops", role="operator"))
    assert "1 callback needs attention" in operator.get("/billing/payments/").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION alpha.test_refuse_update() CASCADE")  # the cause, fixed
    retried = operator.post(f"/api/payments/callbacks/{poison.pk}/retry/")
    assert retried.status_code == 200 and retried.json()["outcome"] == "received"
    wait_for(lambda: served_by_callback("ws_CO_poison"), what="the retried callback served")


def test_callback_secret_is_in_no_log_and_on_no_page(shop, session_tmp, make_user, tenant_client):
    secret = pending_payments(shop, "ws_CO_first")
    assert post_to_daphne(shop["port"], secret, paid_callback("ws_CO_first", "QFA1C2D3E4")).ok
    assert post_to_daphne(shop["port"], secret, "{not json").status_code == 400
    assert post_to_daphne(shop["port"], secret[:-1], "{}").status_code == 404
    log = session_tmp / "daphne.log"
    access = re.compile(r'"POST /api/payments/mpesa/callback/\*\*\*/ 400"')
    deadline = time.monotonic() + 30
    while not access.search(log.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text(errors="replace")
    assert access.search(text), text[-2000:]  # the request's access line, path redacted
    assert "Bad Request: /api/payments/mpesa/callback/***/" in text  # Django's error log
    assert secret not in text and secret[:-1] not in text
    wait_for(lambda: served_by_callback("ws_CO_first"), what="the payment served")

    boss = make_user("alpha", "boss", role="admin", is_staff=True, is_superuser=True)
    admin = tenant_client("alpha", boss)
    with schema_context("alpha"):
        config = DarajaSettings.objects.get()
    for url in ("/billing/settings/", f"/admin/billing/darajasettings/{config.pk}/change/"):
        page = admin.get(url)
        assert page.status_code == 200 and secret not in page.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT callback_secret FROM alpha.billing_darajasettings")
        stored = cursor.fetchone()[0]
    assert secret not in stored  # encrypted at rest


def test_anonymous_portal_client_may_watch_only_payment_topics(daphne_server, tenants):
    import websockets
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    token = "A" * 32
    port = daphne_server

    async def scenario():
        ws = await websockets.connect(
            f"ws://alpha.localhost:{port}/ws/?topics=payment.{token}",
            host="127.0.0.1",
            port=port,
            additional_headers={"Origin": f"http://alpha.localhost:{port}"},
            open_timeout=10,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
        answers = []
        for topic in ("payments", "jobs", f"tenant.{tenants['beta'].pk}.jobs", "payment.short"):
            await ws.send(json.dumps({"action": "subscribe", "topic": topic}))
            answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        await ws.close()
        return first, answers

    first, answers = asyncio.run(scenario())
    assert first == {"type": "subscribed", "topic": f"payment.{token}"}
    assert [a["type"] for a in answers] == ["error"] * 4

    async def refused(query: str):
        try:
            ws = await websockets.connect(
                f"ws://alpha.localhost:{port}/ws/?{query}",
                host="127.0.0.1",
                port=port,
                additional_headers={"Origin": f"http://alpha.localhost:{port}"},
            )
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except InvalidStatus as exc:
            return exc.response.status_code
        return "open"

    # Asking for anything besides portal topics needs a login.
    assert asyncio.run(refused(f"topics=payment.{token},payments")) in (4401, 403)
