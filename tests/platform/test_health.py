"""/healthz and /readyz as the load balancer, systemd and monitoring see them."""

from __future__ import annotations

import time

import pytest
import requests
from django.test import Client

from tests.support.processes import start_daphne, start_qcluster, start_redis
from tests.support.radius import agent_server

HOSTS = ["localhost", "alpha.localhost", "127.0.0.1", "no-such-tenant.localhost"]


def wait_for(probe, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last is not None:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("host", HOSTS)
def test_healthz_answers_on_every_host(db, host):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_check_and_counts_agents_without_naming_them(
    live_db, clusters, daphne_server, radius_agent
):
    from django.core.cache import cache

    base = f"http://127.0.0.1:{daphne_server}"
    agent = radius_agent()
    agent_server(agent, schema="alpha")
    cache.delete("radtik:readyz:agents")  # counted before this agent, by an earlier page

    def ready():
        body = requests.get(f"{base}/readyz", headers={"Host": "alpha.localhost"}, timeout=30)
        return body if body.json()["status"] == "ok" else None

    body = wait_for(ready, "readyz ok").json()
    checks = body["checks"]
    assert checks["database"] == {"ok": True} and checks["redis"] == {"ok": True}
    assert checks["clusters"]["default"]["ok"] and checks["clusters"]["payments"]["ok"]
    assert checks["clusters"]["default"]["heartbeat_age"] < 10
    assert checks["agents"] == {"reachable": 1, "unreachable": 0}
    assert agent.url not in str(body)

    agent.stop()
    cache.delete("radtik:readyz:agents")  # the shared cache would answer for 15 s
    degraded = requests.get(f"{base}/readyz", timeout=30)
    assert degraded.status_code == 200  # web hosts stay in the load balancer
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["agents"] == {"reachable": 0, "unreachable": 1}
    assert requests.get(f"{base}/readyz?strict=1", timeout=30).status_code == 503


def test_readyz_reflects_a_stopped_cluster_and_a_stopped_redis(live_db, session_tmp):
    redis_proc, redis_url = start_redis(session_tmp)
    own = {"REDIS_URL": redis_url, "RADTIK_WORKERS": "1", "RADTIK_PAYMENT_WORKERS": "1"}
    started = []
    try:
        web, port = start_daphne(session_tmp, **own)
        started.append(web)
        default = start_qcluster(session_tmp, **own)
        started.append(default)
        payments = start_qcluster(session_tmp, queue="payments", **own)
        started.append(payments)
        url = f"http://127.0.0.1:{port}/readyz"

        def state(cluster: str, ok: bool):
            def probe():
                response = requests.get(url, timeout=30)
                clusters = response.json()["checks"]["clusters"]
                return response if clusters.get(cluster, {}).get("ok") is ok else None

            return probe

        assert wait_for(state("payments", True), "both clusters up").json()["status"] == "ok"

        payments.stop()
        down = wait_for(state("payments", False), "the payments cluster reported down")
        assert down.status_code == 200 and down.json()["status"] == "degraded"
        assert down.json()["checks"]["clusters"]["payments"]["processes"] == 0
        assert down.json()["checks"]["clusters"]["default"]["ok"]
        assert requests.get(f"{url}?strict=1", timeout=30).status_code == 503

        redis_proc.stop()
        response = requests.get(url, timeout=30)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["redis"]["ok"] is False and "error" in body["checks"]["redis"]
        assert body["checks"]["database"] == {"ok": True}
        # The process itself is still up.
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
    finally:
        for proc in reversed(started):
            proc.stop()
        redis_proc.stop()
