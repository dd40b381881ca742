"""radtik on several hosts: two web hosts and two worker hosts, each a process group with its own
settings, behind Debian's nginx (deploy/nginx/radtik.conf) on loopback, sharing PostgreSQL and
Redis. A page on web host A gets the events of jobs worker host B ran; jobs spread over both
worker hosts; killing web host B and worker host B mid-load (SIGKILL, as a power cut) loses no
request nginx could retry, no job and no payment.

Bounded: 2 + 2 hosts of one small process each (a web host's pool 3 connections, a worker host's
clusters 2 + 1 workers), about 30 PostgreSQL connections in all.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context

from billing.choices import PaymentStatus
from billing.models import DarajaSettings, Package, Payment, Subscription
from radius.testing.agent import free_port
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from tests.billing.support import callback
from tests.platform.test_websocket import connect, session_cookie, subscribe
from tests.support.jobkinds import SlowEffect
from tests.support.nginx import NGINX, render, start_nginx
from tests.support.processes import Process, other_clusters_paused, start_daphne, start_qcluster
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.usefixtures("live_db"),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),  # self-signed
    pytest.mark.skipif(
        not shutil.which(NGINX), reason="nginx is not installed (apt-get install nginx)"
    ),
]
HOST = "alpha.localhost"
PAYMENTS = 24
JSON_HOST = {"Host": HOST, "Content-Type": "application/json"}


def worker_env(name: str) -> dict[str, str]:
    """A worker host's settings: the default cluster and the payments cluster, small."""
    return {"RADTIK_WORKERS": "2", "RADTIK_PAYMENT_WORKERS": "1", "RADTIK_HOST_NAME": name}


def pids(host: list[Process]) -> set[int]:
    """Every process of a host now (django-q2 replaces a worker that died or timed out)."""
    found = set()
    for proc in host:
        if proc.proc.poll() is None:
            found |= {proc.proc.pid, *proc.children()}
    return found


@pytest.fixture(scope="module")
def hosts(django_db_setup, tmp_path_factory):
    """The four hosts and nginx, started at once (each takes seconds), shared by the tests
    below; the last one kills web host B and worker host B."""
    tmp = tmp_path_factory.mktemp("hosts")
    with ThreadPoolExecutor(6) as pool:
        webs = [
            pool.submit(start_daphne, tmp, DB_POOL_SIZE="3", RADTIK_HOST_NAME=f"web-{name}")
            for name in ("a", "b")
        ]
        clusters = [
            pool.submit(start_qcluster, tmp, queue, **worker_env(name))
            for name in ("a", "b")
            for queue in ("", "payments")
        ]
        started = [future.result() for future in clusters]
        web = {}
        for name, future in zip(("a", "b"), webs, strict=True):
            proc, port = future.result()
            web[name] = SimpleNamespace(proc=proc, port=port)
            started.append(proc)
    workers = {"a": started[0:2], "b": started[2:4]}
    https = free_port()
    conf = render(
        tmp / "nginx", upstreams=[web["a"].port, web["b"].port], http_port=free_port(),
        https_port=https,
    )  # fmt: skip
    started.append(start_nginx(conf))
    base = f"https://127.0.0.1:{https}"
    try:
        wait_for(lambda: healthy(base), what="nginx to answer", timeout=20)
        with other_clusters_paused(started[0:4]):
            yield SimpleNamespace(web=web, workers=workers, base=base)
    finally:
        with ThreadPoolExecutor(len(started)) as pool:
            list(pool.map(Process.stop, started))


def healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", verify=False, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def runs() -> dict[int, list[int]]:
    """job id -> the pid of each attempt that started."""
    found: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT job_id, pid FROM public.test_job_runs ORDER BY id")
        for job_id, pid in cursor.fetchall():
            found.setdefault(job_id, []).append(pid)
    return found


def effects() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM public.test_effects")
        return [row[0] for row in cursor.fetchall()]


def enqueue(count: int, sleep: float) -> list[int]:
    with schema_context("alpha"):
        return [job_enqueue(kind=SlowEffect, params={"sleep": sleep}).pk for _ in range(count)]


async def in_thread(func, *args):
    """A database call from the event loop: in a thread, whose connection is closed after."""

    def call():
        try:
            return func(*args)
        finally:
            connection.close()

    return await asyncio.to_thread(call)


def test_page_on_web_host_a_gets_events_of_jobs_worker_host_b_ran(hosts, tenants, make_user):
    cookie = session_cookie("alpha", make_user("alpha", "watcher", role="viewer"))
    host_b = pids(hosts.workers["b"])

    async def watch() -> tuple[list[int], set[int]]:
        ws = await connect(hosts.web["a"].port, HOST, cookie)
        await subscribe(ws, "jobs")
        jobs: list[int] = []
        succeeded: set[int] = set()
        ran: dict[int, list[int]] = {}
        try:
            async with asyncio.timeout(90):
                # Rounds until worker host B has run one (the broker hands each task to
                # whichever pusher asks first; two rounds nearly always do).
                while not any(set(ran.get(job, [])) & host_b for job in jobs):
                    jobs += await in_thread(enqueue, 8, 0.3)
                    while not set(jobs) <= succeeded:
                        event = json.loads(await ws.recv())
                        if event.get("event") == "job.succeeded":
                            succeeded.add(event["payload"]["id"])
                    ran = await in_thread(runs)
        finally:
            await ws.close()
        return jobs, succeeded

    jobs, succeeded = asyncio.run(watch())
    ran = runs()
    on_b = [job for job in jobs if set(ran[job]) & host_b]
    on_a = [job for job in jobs if set(ran[job]) & pids(hosts.workers["a"])]
    assert on_b and on_a, f"jobs ran on B: {on_b}, on A: {on_a}"
    assert set(on_b) <= succeeded  # web host A pushed what worker host B did


def test_killing_a_web_host_and_a_worker_host_mid_load_loses_nothing(hosts, tenants):
    with schema_context("alpha"):
        daraja = DarajaSettings.objects.create(
            shortcode="174379", passkey="p", consumer_key="k", consumer_secret="s"
        )
        package = Package.objects.create(name="1 hour", price=50, validity_seconds=3600)
        for n in range(PAYMENTS):
            Payment.objects.create(
                package=package,
                phone=f"2547123456{n:02d}",
                amount=50,
                checkout_request_id=f"ws_CO_{n}",
            )
    stop = threading.Event()
    pages: list[object] = []  # status codes, or the exception a GET ended with
    callbacks: list[list[int]] = []  # per payment: each answer, re-sent after a 5xx as Daraja does

    def browse() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    answer = session.get(
                        f"{hosts.base}/login/", headers={"Host": HOST}, verify=False, timeout=30
                    )
                    pages.append(answer.status_code)
                except requests.RequestException as exc:
                    pages.append(exc)

    def pay() -> None:
        url = f"{hosts.base}/api/payments/mpesa/callback/{daraja.callback_secret}/"
        with requests.Session() as session:
            for n in range(PAYMENTS):
                answers: list[int] = []
                while not answers or answers[-1] >= 500:
                    try:
                        body = callback(f"ws_CO_{n}", receipt=f"QAB{n:07d}")
                        answer = session.post(
                            url, data=body, headers=JSON_HOST, verify=False, timeout=30
                        )
                        answers.append(answer.status_code)
                    except requests.RequestException:
                        answers.append(599)  # the connection dropped: Daraja sends it again
                    if len(answers) > 10:
                        break
                callbacks.append(answers)
                time.sleep(0.15)

    load = [threading.Thread(target=browse) for _ in range(2)] + [threading.Thread(target=pay)]
    for thread in load:
        thread.start()
    try:
        # The load is flowing before anything is killed (a loaded machine takes a while).
        wait_for(lambda: [p for p in pages if p == 200], what="a page served", timeout=90)
        jobs = enqueue(12, 2.0)
        host_b = pids(hosts.workers["b"])
        # Kill when worker host B is in the middle of a job (started, effect not applied yet).
        cut_short = wait_for(
            lambda: [
                job
                for job, attempts in runs().items()
                if set(attempts) & host_b and f"job-alpha-{job}" not in effects()
            ],
            what="worker host B to start a job",
            timeout=90,
        )
        for proc in hosts.workers["b"]:
            proc.kill()
        hosts.web["b"].proc.kill()
        served_before_kill = len(pages)
        time.sleep(5)  # load goes on against the survivors
    finally:
        stop.set()
        for thread in load:
            thread.join(120)

    # No request nginx could retry was lost: every page answered, none failed.
    assert len(pages) > served_before_kill > 0
    assert all(status == 200 for status in pages), [p for p in pages if p != 200][:5]
    # Every callback was accepted in the end (a POST nginx had sent is never sent twice by it).
    assert len(callbacks) == PAYMENTS and all(a[-1] == 200 for a in callbacks), callbacks

    # No job lost: each succeeded and applied its effect once; the one cut short ran again.
    def finished() -> bool:
        with schema_context("alpha"):
            return not Job.objects.filter(pk__in=jobs).exclude(status="succeeded").exists() and (
                not Job.objects.filter(pk__in=jobs, status="failed").exists()
            )

    wait_for(finished, what="every job to succeed on the surviving worker host", timeout=90)
    assert sorted(effects()) == sorted(f"job-alpha-{job}" for job in jobs)
    with schema_context("alpha"):
        interrupted = Job.objects.get(pk=cut_short[0])
        assert interrupted.attempts >= 2
        assert any("interrupted" in line for line in interrupted.log_lines.values_list(
            "message", flat=True))  # fmt: skip

    # No payment lost, none settled twice.
    def settled() -> bool:
        with schema_context("alpha"):
            return Payment.objects.filter(status=PaymentStatus.COMPLETED).count() == PAYMENTS

    wait_for(settled, what="every payment to complete", timeout=90)
    with schema_context("alpha"):
        assert Subscription.objects.count() == PAYMENTS
        assert not Payment.objects.filter(subscription=None).exists()
