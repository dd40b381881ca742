"""Live events over daphne + channels-redis: in order, and only to whom they belong."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from radtik.jobs.registry import JobKind
from radtik.jobs.services import job_enqueue
from tests.support.jobkinds import Progress

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


def session_cookie(schema: str, user) -> str:
    from django.test import Client

    client = Client()
    with schema_context(schema):
        client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def enqueue_in(schema: str, kind: JobKind):
    """Enqueue from a worker thread (its own connection, closed after)."""
    from django.db import connection

    try:
        with schema_context(schema):
            return job_enqueue(kind=kind)
    finally:
        connection.close()


async def connect(port: int, host: str, cookie: str = "", query: str = "", origin: str = ""):
    import websockets

    headers = {"Origin": origin or f"http://{host}:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    # The URI carries the tenant's host name (Host header); the socket goes to loopback.
    return await websockets.connect(
        f"ws://{host}:{port}/ws/{query}",
        host="127.0.0.1",
        port=port,
        additional_headers=headers,
        open_timeout=10,
    )


async def subscribe(ws, topic: str) -> dict:
    await ws.send(json.dumps({"action": "subscribe", "topic": topic}))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def collect_until(ws, event: str, timeout: float = 20) -> list[dict]:
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            seen.append(message)
            if message.get("event") == event:
                return seen


def test_client_receives_job_progress_in_order(daphne_server, make_user, tenants):
    user = make_user("alpha", "watcher", role="viewer")
    cookie = session_cookie("alpha", user)

    # Subscribe first, then enqueue: every event of the job must arrive.
    async def watch_fresh_job():
        ws = await connect(daphne_server, "alpha.localhost", cookie)
        await subscribe(ws, "jobs")
        fresh = await asyncio.to_thread(enqueue_in, "alpha", Progress)
        events = await collect_until(ws, "job.succeeded")
        await ws.close()
        return fresh, events

    fresh, events = asyncio.run(watch_fresh_job())
    mine = [e for e in events if e["payload"]["id"] == fresh.pk]
    progress = [e["payload"]["progress"] for e in mine if e["event"] == "job.progress"]
    assert progress == [10, 20, 40, 70, 85, 100]
    names = [e["event"] for e in mine]
    assert names[0] == "job.queued" and names[-1] == "job.succeeded"
    assert names.index("job.started") < names.index("job.progress")
    assert all(e["topic"] == "jobs" for e in mine)


def test_tenant_user_cannot_subscribe_to_another_tenant(daphne_server, make_user, tenants):
    beta_user = make_user("beta", "nosy", role="admin", is_superuser=True)
    cookie = session_cookie("beta", beta_user)
    alpha_id = tenants["alpha"].pk

    async def scenario():
        ws = await connect(daphne_server, "beta.localhost", cookie)
        refused = await subscribe(ws, f"tenant.{alpha_id}.jobs")
        platform = await subscribe(ws, "system.tenants")
        own = await subscribe(ws, f"tenant.{tenants['beta'].pk}.jobs")
        await ws.close()
        return refused, platform, own

    refused, platform, own = asyncio.run(scenario())
    assert refused["type"] == "error" and "own account" in refused["error"]
    assert platform["type"] == "error"
    assert own == {"type": "subscribed", "topic": f"tenant.{tenants['beta'].pk}.jobs"}


def test_alpha_session_is_worthless_on_beta_host(daphne_server, make_user, tenants):
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    alpha_user = make_user("alpha", "roamer", role="admin")
    cookie = session_cookie("alpha", alpha_user)

    async def scenario():
        ws = await connect(daphne_server, "beta.localhost", cookie)
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        return "open"

    try:
        code = asyncio.run(scenario())
    except InvalidStatus as exc:  # refused during the handshake
        code = exc.response.status_code
    assert code in (4401, 403)


def test_system_admin_may_watch_every_tenant(daphne_server, make_user, tenants):
    admin = make_user("public", "root", is_staff=True, is_superuser=True)
    cookie = session_cookie("public", admin)

    async def scenario():
        ws = await connect(daphne_server, "localhost", cookie)
        answers = [
            await subscribe(ws, f"tenant.{tenants['alpha'].pk}.jobs"),
            await subscribe(ws, f"tenant.{tenants['beta'].pk}.jobs"),
            await subscribe(ws, "system.tenants"),
        ]
        job = await asyncio.to_thread(enqueue_in, "beta", Progress)
        events = await collect_until(ws, "job.succeeded")
        await ws.close()
        return answers, job, events

    answers, job, events = asyncio.run(scenario())
    assert [a["type"] for a in answers] == ["subscribed"] * 3
    assert any(e.get("payload", {}).get("id") == job.pk for e in events)


def test_anonymous_and_unknown_host_are_refused(daphne_server, tenants):
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    async def closed_code(host: str):
        try:
            ws = await connect(daphne_server, host)
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except InvalidStatus as exc:
            return exc.response.status_code
        return "open"

    assert asyncio.run(closed_code("alpha.localhost")) in (4401, 403)
    assert asyncio.run(closed_code("nobody.localhost")) in (4404, 403)


def test_non_staff_user_on_the_base_domain_may_watch_nothing(daphne_server, make_user, tenants):
    """Over HTTP the base domain serves system admins only; a plain public user sees no topic."""
    plain = make_user("public", "plain-ws")
    cookie = session_cookie("public", plain)

    async def scenario():
        ws = await connect(daphne_server, "localhost", cookie)
        answers = [
            await subscribe(ws, topic)
            for topic in ("tenants", "jobs", "system.tenants", f"tenant.{tenants['alpha'].pk}.jobs")
        ]
        await ws.close()
        return answers

    answers = asyncio.run(scenario())
    assert [a["type"] for a in answers] == ["error"] * 4
    assert all("system admins" in a["error"] for a in answers)


def test_overlong_topic_gets_an_error_frame_and_the_socket_stays_open(
    daphne_server, make_user, tenants
):
    user = make_user("alpha", "longtopic", role="viewer")
    cookie = session_cookie("alpha", user)

    async def scenario():
        ws = await connect(daphne_server, "alpha.localhost", cookie)
        too_long = await subscribe(ws, "job." + "9" * 120)
        await ws.send(json.dumps({"action": "unsubscribe", "topic": "x" * 200}))
        after = await subscribe(ws, "jobs")  # the connection survived both
        await ws.close()
        return too_long, after

    too_long, after = asyncio.run(scenario())
    assert too_long["type"] == "error" and "too long" in too_long["error"]
    assert after == {"type": "subscribed", "topic": "jobs"}


def test_foreign_origin_is_refused(daphne_server, make_user, tenants):
    from websockets.exceptions import InvalidStatus

    user = make_user("alpha", "origin", role="viewer")
    cookie = session_cookie("alpha", user)

    async def scenario(origin: str):
        try:
            ws = await connect(daphne_server, "alpha.localhost", cookie, origin=origin)
        except InvalidStatus as exc:
            return exc.response.status_code
        answer = await subscribe(ws, "jobs")
        await ws.close()
        return answer["type"]

    assert asyncio.run(scenario("http://evil.example")) == 403
    assert asyncio.run(scenario(f"http://alpha.localhost:{daphne_server}")) == "subscribed"
