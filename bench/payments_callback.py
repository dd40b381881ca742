"""M-Pesa callback latency under wrk at ~200 req/s through daphne, and callback → RADIUS-ready.

Real processes on loopback: daphne (radtik.webserver, as `make run` starts it), the two task
clusters, a RADIUS agent (SQLite). One tenant `bench` with Daraja settings, a package on the
agent and N pending payments, each with its own CheckoutRequestID; wrk posts one success
callback per payment (each a first delivery), paced by bench/payments_callback.lua's delay() at
a fixed rate. Prints, each beside a baseline from the same run:
- first, once the product serves and before any load, its idle memory (bench/support_memory.py);
- callback latency p50/p90/p99 and the achieved rate vs the same paced load on `GET /login/`,
  with the daphne CPU each request cost and how busy the machine was;
- callback → RADIUS-ready: PaymentCallback.received_at (stored by the view) → the ProcessPayment
  job's finished_at (the credentials were written to the agent just before), median and p90, at
  a steady BENCH_STEADY_RATE (10/s) the payments cluster keeps up with, beside callbacks sent one
  at a time on an idle system; and behind the burst, where it is each payment's place in the
  backlog, with the rate the backlog was settled at.
Uses a scratch database on DATABASE_URL's server, dropped afterwards. Env: BENCH_RATE (200),
BENCH_SECONDS (20), BENCH_CONNECTIONS (32), BENCH_STEADY_RATE (10), BENCH_STEADY_SECONDS (15),
RADTIK_WORKERS (4), RADTIK_PAYMENT_WORKERS (2), WEB_PROCESSES (one per core).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)
from bench.support_memory import idle_memory  # noqa: E402
from radtik.webserver import default_processes  # noqa: E402

ROOT = scratch.ROOT
# Production-like request path: no per-query debug bookkeeping (bench.scratch sets the keys).
os.environ["DEBUG"] = "0"
os.environ.setdefault("RADTIK_WORKERS", "4")
os.environ["RADTIK_CHANNEL_PREFIX"] = f"bench{uuid.uuid4().hex[:6]}"
RATE = int(os.environ.get("BENCH_RATE", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WEB_PROCESSES = default_processes()
THREADS = 2
PAYMENTS = int(RATE * SECONDS * 1.5)
IDLE_ROUNDS = 20
# A rate the payments cluster keeps up with: the time to RADIUS-ready under load, not behind a
# backlog.
STEADY_RATE = int(os.environ.get("BENCH_STEADY_RATE", "10"))
STEADY_SECONDS = int(os.environ.get("BENCH_STEADY_SECONDS", "15"))
STEADY_FIRST = PAYMENTS + IDLE_ROUNDS
STEADY_PAYMENTS = int(STEADY_RATE * STEADY_SECONDS * 1.5)
DRAIN_LIMIT = 300  # s to wait for the inbox and the ProcessPayment backlog after the load
HOST = "bench.localhost"
LUA = ROOT / "bench" / "payments_callback.lua"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited")
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out: {what}")


def wrk(
    url: str, extra: list[str], script_args: list[str], seconds: int, rate: int = RATE
) -> dict[str, float]:
    """One paced wrk run; the figures from the script's done() line (latencies in ms)."""
    command = [
        "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
        "-H", f"Host: {HOST}", *extra, "-s", str(LUA), url, "--", str(rate), str(THREADS),
        *script_args,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if out.returncode or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    n, duration, status_errors, socket_errors, p50, p90, p99, top = map(float, line.split()[1:])
    return {
        "requests": n,
        "rate": n / (duration / 1e6),
        "status_errors": status_errors,
        "socket_errors": socket_errors,
        "p50": p50 / 1000,
        "p90": p90 / 1000,
        "p99": p99 / 1000,
        "max": top / 1000,
    }


def web_cpu(launcher_pid: int) -> float:
    """CPU seconds used so far by radtik.webserver's daphne children (Linux /proc)."""
    children = Path(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


def measured(run, launcher_pid: int) -> dict[str, float]:
    """A wrk run plus what it cost: daphne CPU per request and how busy the machine was."""
    web0, (busy0, total0) = web_cpu(launcher_pid), machine_cpu()
    figures = run()
    web1, (busy1, total1) = web_cpu(launcher_pid), machine_cpu()
    figures["web_cpu_ms"] = (web1 - web0) * 1000 / max(1, figures["requests"])
    figures["machine_busy"] = (busy1 - busy0) / max(1e-9, total1 - total0)
    return figures


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def callback_body(index: int, amount: int) -> str:
    from billing.mpesa.result_codes import SUCCESS
    from billing.mpesa.simulator.callbacks import callback_body as daraja_body

    txn = SimpleNamespace(
        merchant_request_id=f"bench-{index}",
        checkout_request_id=checkout_id(index),
        result_code=SUCCESS,
        result_desc="The service request is processed successfully.",
        callback_amount=amount,
        receipt=f"RB{index:08d}",
        phone=phone(index),
    )
    return json.dumps(daraja_body(txn, time.strftime("%Y%m%d%H%M%S")), separators=(",", ":"))


def checkout_id(index: int) -> str:
    return f"ws_CO_bench_{index:07d}"


def phone(index: int) -> str:
    return f"2547{index:08d}"


def bench_sales(agent, payments: int, price: int):
    """In tenant `bench`: the agent as its RADIUS server, Daraja settings, a package on it and
    `payments` pending payments (phone(i), checkout_id(i)). Returns the Daraja settings."""
    from django_tenants.utils import schema_context

    from billing.models import DarajaSettings, Package, Payment
    from radius.services import radius_server_create

    with schema_context("bench"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        config = DarajaSettings.objects.create(
            shortcode="174379",
            passkey="p",
            consumer_key="k",
            consumer_secret="s",
            # Nothing listens there: a reconcile pass (pending > 3 min) stays on loopback.
            base_url="http://127.0.0.1:9",
        )
        package = Package.objects.create(
            name="1 hour",
            price=price,
            validity_seconds=3600,
            time_limit=3600,
            rate_limit="2M/5M",
            radius_server=server,
        )
        Payment.objects.bulk_create(
            [
                Payment(
                    package=package,
                    phone=phone(i),
                    amount=price,
                    checkout_request_id=checkout_id(i),
                    merchant_request_id=f"bench-{i}",
                )
                for i in range(payments)
            ],
            batch_size=2000,
        )
    return config


def serve(workdir: Path, procs: list[subprocess.Popen]) -> str:
    """daphne (first in `procs`) and the two task clusters, once they serve; the base URL."""
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    py = sys.executable
    daphne = spawn(
        [py, "-m", "radtik.webserver", "-b", "127.0.0.1", "-p", str(port)]
        + ["--processes", str(WEB_PROCESSES)],
        workdir / "daphne.log",
    )
    procs.append(daphne)
    cluster = spawn([py, "manage.py", "qcluster"], workdir / "qcluster.log")
    procs.append(cluster)
    os.environ["Q_CLUSTER_NAME"] = "payments"  # ProcessPayment's own cluster (README)
    payments_cluster = spawn([py, "manage.py", "qcluster"], workdir / "payments.log")
    del os.environ["Q_CLUSTER_NAME"]
    procs.append(payments_cluster)

    def login_ok():
        try:
            return requests.get(f"{base}/login/", headers={"Host": HOST}, timeout=2).ok
        except requests.RequestException:  # not listening yet, or still warming up
            return False

    wait_until(login_ok, 30, "daphne serving /login/", daphne)
    for name, proc in (("qcluster", cluster), ("payments", payments_cluster)):
        wait_until(
            lambda name=name: "running" in (workdir / f"{name}.log").read_text(errors="replace"),
            30,
            f"{name} cluster running",
            proc,
        )
    return base


def logs_print(workdir: Path) -> None:
    """The servers' last lines, when a run failed."""
    for log in ("daphne.log", "qcluster.log", "payments.log"):
        path = workdir / log
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log}\n" + "\n".join(tail), file=sys.stderr)


def cleanup(workdir: Path, procs: list[subprocess.Popen], *others) -> None:
    """Stop the processes and the other started things (each with .stop()), drop the scratch
    database, remove the logs unless BENCH_KEEP."""
    for proc in reversed(procs):
        stop(proc)
    for other in others:
        if other is not None:
            other.stop()
    scratch.drop()
    if os.environ.get("BENCH_KEEP"):
        print(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="radtik_bench_"))
    procs: list[subprocess.Popen] = []
    agent = None
    try:
        scratch.create()
        import requests
        from django.db.models import Count
        from django_tenants.utils import schema_context

        from billing.models import Payment, PaymentCallback, Subscription
        from billing.tasks import ProcessPayment
        from radius.testing.agent import RadiusAgent
        from radtik.jobs.models import Job

        scratch.add_tenant(domain=HOST)
        agent = RadiusAgent(workdir / "agent")
        price = 50
        config = bench_sales(agent, STEADY_FIRST + STEADY_PAYMENTS, price)
        bodies = workdir / "callbacks.jsonl"
        bodies.write_text("".join(callback_body(i, price) + "\n" for i in range(PAYMENTS)))
        steady_bodies = workdir / "steady.jsonl"
        steady_bodies.write_text(
            "".join(
                callback_body(i, price) + "\n"
                for i in range(STEADY_FIRST, STEADY_FIRST + STEADY_PAYMENTS)
            )
        )

        base = serve(workdir, procs)
        daphne = procs[0]
        idle_memory(procs, spawn, workdir, WEB_PROCESSES)  # before any load: the idle product

        callback_path = f"/api/payments/mpesa/callback/{config.callback_secret}/"
        wrk(f"{base}/login/", [], [], 3)  # warm-up: imports, connections, templates
        baseline = measured(lambda: wrk(f"{base}/login/", [], [], SECONDS), daphne.pid)
        callback_url = f"{base}{callback_path}"
        json_type = ["-H", "Content-Type: application/json"]
        loaded = measured(lambda: wrk(callback_url, json_type, [str(bodies)], SECONDS), daphne.pid)
        load_end = time.time()
        med = statistics.median
        with schema_context("bench"):
            # wrk counts the answers it read; daphne still finishes what was in flight.
            stored = PaymentCallback.objects.all()
            last = -1
            while (count := stored.count()) != last:
                last = count
                time.sleep(1)
            outcomes = dict(PaymentCallback.objects.values_list("outcome").annotate(n=Count("id")))
        print(
            f"M-Pesa callback POST {callback_path.replace(config.callback_secret, '<secret>')} "
            f"via daphne ({WEB_PROCESSES} processes on {os.cpu_count()} cores, radtik.webserver; "
            f"DEBUG off)"
        )
        print(
            f"  wrk {THREADS} threads, {CONNECTIONS} connections, {SECONDS} s, paced by Lua "
            f"delay() at {RATE} req/s target; each body sent once (a first delivery)"
        )
        print(
            f"  achieved {loaded['rate']:.1f} req/s ({loaded['requests']:.0f} requests, "
            f"{loaded['status_errors']:.0f} non-2xx, {loaded['socket_errors']:.0f} socket "
            f"errors); callbacks stored: {outcomes}"
        )
        print(
            f"  latency p50 {loaded['p50']:.1f} ms, p90 {loaded['p90']:.1f} ms, "
            f"p99 {loaded['p99']:.1f} ms, max {loaded['max']:.1f} ms"
        )
        print(
            f"  baseline GET /login/ (same pacing): {baseline['rate']:.1f} req/s, "
            f"{baseline['status_errors']:.0f} non-2xx; p50 {baseline['p50']:.1f} ms, "
            f"p90 {baseline['p90']:.1f} ms, p99 {baseline['p99']:.1f} ms"
        )
        print(
            f"  ratio callback/baseline: p50 {loaded['p50'] / baseline['p50']:.2f}x, "
            f"p99 {loaded['p99'] / baseline['p99']:.2f}x"
        )
        print(
            f"  daphne CPU per request: callback {loaded['web_cpu_ms']:.1f} ms, GET /login/ "
            f"{baseline['web_cpu_ms']:.1f} ms; machine busy {loaded['machine_busy']:.0%} of "
            f"{os.cpu_count()} cores during the callback load ({baseline['machine_busy']:.0%} "
            f"during the baseline; clusters, PostgreSQL and wrk included)"
        )
        if loaded["rate"] < 0.95 * RATE:
            print(
                f"  NOTE: the target was not reached: the machine is saturated, so the latency is "
                f"mostly queueing behind up to {CONNECTIONS} requests in flight; "
                f"saturated throughput callback/baseline "
                f"{loaded['rate'] / baseline['rate']:.2f}x"
            )
        sys.stdout.flush()

        jobs = Job.objects.filter(kind=ProcessPayment.name)
        waiting = PaymentCallback.objects.filter(outcome="received")

        def backlog() -> int:
            """Callbacks not yet matched plus ProcessPayment jobs not yet finished."""
            return waiting.count() + jobs.filter(finished_at__isnull=True).count()

        def drain() -> None:
            """Until the inbox is drained and every job is done, DRAIN_LIMIT passes, or nothing
            moved for 10 s (a job whose delivery to the cluster was lost stays queued for good)."""
            deadline = time.monotonic() + DRAIN_LIMIT
            progress_at, seen = time.monotonic(), -1
            while (left := backlog()) and time.monotonic() < deadline:
                if left != seen:
                    progress_at, seen = time.monotonic(), left
                elif time.monotonic() - progress_at > 10:
                    break
                time.sleep(0.5)

        def ready_times(callbacks) -> tuple[list[float], list[float]]:
            """(callback stored -> job finished, -> job started) in ms, per accepted callback."""
            finished = {
                int(target): (status, started, done)
                for target, status, started, done in jobs.values_list(
                    "target_id", "status", "started_at", "finished_at"
                )
            }
            ready, queued = [], []
            for payment_id, received in callbacks.filter(outcome="accepted").values_list(
                "payment_id", "received_at"
            ):
                status, started, done = finished[payment_id]
                if status == "succeeded" and done is not None:
                    ready.append((done - received).total_seconds() * 1000)
                    queued.append((started - received).total_seconds() * 1000)
            return ready, queued

        with schema_context("bench"):
            drain()
            accepted = PaymentCallback.objects.filter(outcome="accepted").count()
            done_jobs = jobs.filter(finished_at__isnull=False)
            unfinished = accepted - done_jobs.count()
            waiting_left = waiting.count()
            drained = max(done_jobs.values_list("finished_at", flat=True)).timestamp() - load_end
            # The backlog once the requests stopped: the cores are the settling's alone.
            after_end = done_jobs.filter(
                finished_at__gt=datetime.fromtimestamp(load_end, UTC)
            ).count()
            ready, queued = ready_times(PaymentCallback.objects.all())
            failed_jobs = jobs.filter(status="failed").count()

        steady_from = datetime.now(UTC)
        steady = wrk(callback_url, json_type, [str(steady_bodies)], STEADY_SECONDS, STEADY_RATE)
        with schema_context("bench"):
            drain()
            steady_ready, steady_queued = ready_times(
                PaymentCallback.objects.filter(received_at__gte=steady_from)
            )
            usernames = list(
                Subscription.objects.filter(radius_state="synced").values_list(
                    "username", flat=True
                )
            )
        in_agent = 0
        for start in range(0, len(usernames), 1000):
            answer = agent.call(
                "POST", "/users/lookup", json={"usernames": usernames[start : start + 1000]}
            )
            answer.raise_for_status()
            in_agent += sum(1 for v in answer.json()["users"].values() if v)

        # Reference: the same path on an idle system, one callback at a time.
        idle = []
        session = requests.Session()
        for i in range(PAYMENTS, PAYMENTS + IDLE_ROUNDS):
            answer = session.post(
                callback_url,
                data=callback_body(i, price),
                headers={"Host": HOST, "Content-Type": "application/json"},
                timeout=10,
            )
            answer.raise_for_status()
            with schema_context("bench"):
                payment_id = Payment.objects.get(checkout_request_id=checkout_id(i)).pk
                job = wait_until(
                    lambda pid=payment_id: jobs.filter(
                        target_id=str(pid), finished_at__isnull=False
                    ).first(),
                    30,
                    "idle ProcessPayment finished",
                )
                received = PaymentCallback.objects.get(payment_id=payment_id).received_at
            idle.append((job.finished_at - received).total_seconds() * 1000)
            time.sleep(0.1)

        print(
            f"callback -> RADIUS-ready (callback stored -> ProcessPayment finished: matched by "
            f"the inbox, settled, credentials written to the agent; payments cluster, "
            f"{os.environ.get('RADTIK_PAYMENT_WORKERS', '2')} workers)"
        )
        print(
            f"  at a steady {STEADY_RATE}/s for {STEADY_SECONDS} s ({len(steady_ready)} payments; "
            f"callback latency p50 {steady['p50']:.1f} ms, p99 {steady['p99']:.1f} ms): "
            f"median {med(steady_ready):.0f} ms, p90 {pct(steady_ready, 0.9):.0f} ms, "
            f"max {max(steady_ready):.0f} ms (before the job started: median "
            f"{med(steady_queued):.0f} ms)"
        )
        print(
            f"  baseline one callback at a time on an idle system ({len(idle)} runs): "
            f"median {med(idle):.0f} ms, p90 {pct(idle, 0.9):.0f} ms; "
            f"ratio steady/idle {med(steady_ready) / med(idle):.1f}x"
        )
        print(
            f"  behind the {RATE}/s burst ({len(ready)} payments; matching waits while a burst "
            f"arrives, so this is the place in the backlog): median "
            f"{med(ready) / 1000:.1f} s, p90 {pct(ready, 0.9) / 1000:.1f} s; the last one "
            f"{drained:.1f} s after the burst ended (goal <= 30 s); settled at "
            f"{after_end / drained if drained > 0 else 0:.0f}/s once the requests stopped "
            f"({after_end} payments; goal >= 150/s), {len(ready) - after_end} during the burst; "
            f"{failed_jobs} jobs failed, {unfinished} never finished, {waiting_left} callbacks "
            f"never matched"
        )
        print(f"  agent holds {in_agent}/{len(usernames)} synced users")
    except Exception:
        logs_print(workdir)
        raise
    finally:
        cleanup(workdir, procs, agent)


if __name__ == "__main__":
    main()
