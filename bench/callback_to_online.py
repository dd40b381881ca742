"""STK callback -> device online: the time from the callback arriving at radtik to the device's
Access-Accept at the router (the simulated NAS) through FreeRADIUS, at a steady 10 callbacks/s.

Real processes on loopback: daphne (radtik.webserver), the two task clusters, a RADIUS agent
(SQLite) and FreeRADIUS 3 reading it (threaded, as in production); the router is the RouterOS
simulator's NAS, configured as provisioning configures it. One tenant `bench` with a hotspot
package on the agent and N pending payments, each with its own CheckoutRequestID.

Per payment: the callback is POSTed (the clock starts when it is sent); a watcher sees the
payment complete with its credentials in RADIUS, which is what the portal page is told over
its websocket (one query every 20 ms for all waiting payments stands in for that push); the
device then logs in at the router with them, and the clock stops at the Access-Accept.
Baseline, from the same run and load: a bare Access-Request round trip for an existing user
(the same NAS, FreeRADIUS and agent database), sent at the same rate while the callbacks flow.

Goal: median <= 3 s (the design promises 7-15 s from payment to online end to end).
Env: BENCH_RATE (10), BENCH_SECONDS (15), BENCH_STORE (sqlite | postgresql), RADTIK_WORKERS (4),
RADTIK_PAYMENT_WORKERS (2).
Uses a scratch database on DATABASE_URL's server, dropped afterwards.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)
from bench.payments_callback import (  # noqa: E402
    HOST,
    bench_sales,
    callback_body,
    checkout_id,
    cleanup,
    logs_print,
    pct,
    serve,
    wait_until,
)
from radtik.webserver import default_processes  # noqa: E402

RATE = int(os.environ.get("BENCH_RATE", "10"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
PAYMENTS = RATE * SECONDS
WARM = 3  # callbacks before the measured run (imports, connections); the first user is reused
GOAL_MEDIAN = 3.0  # seconds
# The agent's store, which FreeRADIUS reads and writes too: sqlite (a file) or postgresql (a
# scratch database on DATABASE_URL's server).
STORE = os.environ.get("BENCH_STORE", "sqlite")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="radtik_bench_online_"))
    procs = []
    agent = radius = farm = nas = agent_db = None
    try:
        scratch.create()
        import requests
        from django.db import connection
        from django_tenants.utils import schema_context

        from billing.models import Payment
        from radius.testing.agent import RadiusAgent, create_database
        from radius.testing.freeradius import FreeRadius
        from routers.routeros.simulator.farm import SimulatorFarm
        from routers.routeros.simulator.nas import SimulatedNas, configure_radius

        scratch.add_tenant(domain=HOST)
        if STORE == "postgresql":
            agent_db = create_database(prefix="radtik_bench_agent")
        agent = RadiusAgent(workdir / "agent", agent_db)
        radius = FreeRadius(workdir / "raddb", agent.db, debug=False)
        farm = SimulatorFarm().start()
        router = farm.add_router()
        # Debian's localhost client (secret testing123), as the test harness's NAS uses it.
        configure_radius(
            router,
            address="127.0.0.1",
            secret="testing123",
            auth_port=radius.auth_port,
            acct_port=radius.acct_port,
        )
        nas = SimulatedNas(router, coa_port=0).start()
        price = 50
        config = bench_sales(agent, WARM + PAYMENTS, price)
        connection.close()

        base = serve(workdir, procs)

        callback_url = f"{base}/api/payments/mpesa/callback/{config.callback_secret}/"
        sent: dict[str, float] = {}
        online: dict[str, float] = {}
        ready_at: dict[str, float] = {}
        refused: list[str] = []
        waiting: set[str] = set()
        lock = threading.Lock()
        done = threading.Event()
        local = threading.local()
        logins = ThreadPoolExecutor(8)

        def post(index: int) -> None:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            key = checkout_id(index)
            with lock:
                waiting.add(key)
                sent[key] = time.monotonic()
            answer = session.post(
                callback_url,
                data=callback_body(index, price),
                headers={"Host": HOST, "Content-Type": "application/json"},
                timeout=30,
            )
            answer.raise_for_status()

        def device_login(key: str, username: str, password: str) -> None:
            result = nas.login(username, password, mac=nas.state.random_mac())
            with lock:
                if result.accepted:
                    online[key] = time.monotonic()
                else:
                    refused.append(f"{username}: {result.message}")

        def watch() -> None:
            """What the portal page hears over its websocket: paid, credentials in RADIUS."""
            with schema_context("bench"):
                while not done.is_set():
                    with lock:
                        keys = list(waiting)
                    if keys:
                        ready = Payment.objects.filter(
                            checkout_request_id__in=keys,
                            status="completed",
                            subscription__radius_state="synced",
                        ).values_list(
                            "checkout_request_id",
                            "subscription__username",
                            "subscription__password",
                        )
                        for key, username, password in ready:
                            with lock:
                                waiting.discard(key)
                                ready_at[key] = time.monotonic()
                            logins.submit(device_login, key, username, password)
                    time.sleep(0.02)
            connection.close()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        senders = ThreadPoolExecutor(8)

        # Warm-up, one at a time: the last user logs in again below as the baseline's user.
        for index in range(WARM):
            senders.submit(post, index).result()
            key = checkout_id(index)
            wait_until(lambda key=key: key in online, 60, "warm-up online")
        with schema_context("bench"):
            known = Payment.objects.select_related("subscription").get(
                checkout_request_id=checkout_id(WARM - 1)
            )
            known_user = (known.subscription.username, known.subscription.password)
        # Its warm-up device leaves (one device per subscription: Simultaneous-Use).
        for session in nas.sessions(username=known_user[0]):
            nas.logout(session)
        connection.close()

        baseline: list[float] = []
        baseline_refused: list[str] = []

        def bare_request() -> None:
            start = time.monotonic()
            result = nas.login(*known_user, mac=nas.state.random_mac())
            if result.accepted:
                baseline.append(time.monotonic() - start)
                nas.logout(result.session)
            else:
                baseline_refused.append(result.message)

        # The measured run: callbacks at RATE per second, and at the same rate a bare
        # Access-Request of the existing user under the same load.
        started = time.monotonic()
        baseline_pool = ThreadPoolExecutor(1)  # one device: each logs out before the next
        futures = []
        for n in range(PAYMENTS):
            due = started + n / RATE
            time.sleep(max(0.0, due - time.monotonic()))
            futures.append(senders.submit(post, WARM + n))
            futures.append(baseline_pool.submit(bare_request))
        for future in futures:
            future.result()
        measured = [checkout_id(WARM + n) for n in range(PAYMENTS)]
        wait_until(
            lambda: all(key in online for key in measured) or len(refused) > 0,
            300,
            "every device online",
        )
        done.set()
        watcher.join(10)
        logins.shutdown()
        elapsed = [online[key] - sent[key] for key in measured if key in online]
        med = statistics.median
        # The server's side of the same payments: callback stored -> ProcessPayment finished
        # (bench/payments_callback.py's "RADIUS-ready").
        from billing.models import PaymentCallback
        from billing.tasks import ProcessPayment
        from radtik.jobs.models import Job

        with schema_context("bench"):
            finished = dict(
                Job.objects.filter(kind=ProcessPayment.name).values_list("target_id", "finished_at")
            )
            server_side = [
                (finished[str(payment)] - received).total_seconds()
                for payment, received in PaymentCallback.objects.filter(
                    payment__checkout_request_id__in=measured, outcome="accepted"
                ).values_list("payment_id", "received_at")
                if finished.get(str(payment))
            ]
        connection.close()
        to_ready = [ready_at[key] - sent[key] for key in measured if key in online]
        to_login = [online[key] - ready_at[key] for key in measured if key in online]
        print(
            f"STK callback -> device online (Access-Accept at the simulated NAS through "
            f"FreeRADIUS), {PAYMENTS} callbacks at {RATE}/s; daphne "
            f"({default_processes()} processes on {os.cpu_count()} cores), payments cluster "
            f"({os.environ.get('RADTIK_PAYMENT_WORKERS', '2')} workers), agent on {STORE}"
        )
        print(
            f"  callback -> online: median {med(elapsed):.2f} s, p90 {pct(elapsed, 0.9):.2f} s, "
            f"max {max(elapsed):.2f} s ({len(elapsed)}/{PAYMENTS} online, {len(refused)} refused)"
        )
        print(
            f"  of which callback -> paid with credentials in RADIUS (what the portal page is "
            f"told): median {med(to_ready):.2f} s, p90 {pct(to_ready, 0.9):.2f} s; then the "
            f"device's login: median {med(to_login):.2f} s, p90 {pct(to_login, 0.9):.2f} s"
        )
        print(
            f"  server side, callback stored -> ProcessPayment finished ({len(server_side)}): "
            f"median {med(server_side):.2f} s, p90 {pct(server_side, 0.9):.2f} s"
        )
        print(
            f"  baseline bare Access-Request round trip of an existing user, same NAS and "
            f"FreeRADIUS, same rate during the run ({len(baseline)}, "
            f"{len(baseline_refused)} refused): median "
            f"{med(baseline) * 1000:.0f} ms, p90 {pct(baseline, 0.9) * 1000:.0f} ms"
        )
        print(
            f"  ratio callback->online / bare Access-Request: median "
            f"{med(elapsed) / med(baseline):.1f}x, p90 "
            f"{pct(elapsed, 0.9) / pct(baseline, 0.9):.1f}x"
        )
        verdict = "meets" if med(elapsed) <= GOAL_MEDIAN else "MISSES"
        print(f"  goal median <= {GOAL_MEDIAN:.0f} s: {verdict} it")
        if refused or baseline_refused:
            print("  refused: " + "; ".join([*refused[:5], *baseline_refused[:5]]))
    except Exception:
        logs_print(workdir)
        raise
    finally:
        cleanup(workdir, procs, nas, farm, radius, agent)
        if agent_db:
            from radius.testing.agent import drop_database

            drop_database(agent_db)


if __name__ == "__main__":
    main()
