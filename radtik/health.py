"""/healthz and /readyz, answered before tenant resolution so any host name works (the load
balancer's and systemd's probes ask by address; operators ask on their own domain).

- /healthz: the process is up and answers. No I/O.
- /readyz: PostgreSQL and Redis (this host cannot serve without them: 503), the task clusters'
  heartbeats and the RADIUS agents' reachability (200 "degraded" when one is down: the load
  balancer must not pull every web host because a worker host died; `?strict=1` makes it a 503
  for monitoring). Agents are counted, never named: the endpoint is public and agents are tenant
  data.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse

from radtik.redis_client import redis_key

PATHS = {"/healthz", "/readyz", "/metrics"}
PROBE_TIMEOUT = 2.0  # s per dependency: a probe that hangs is itself a failure
AGENTS_CACHE_KEY = "radtik:readyz:agents"


# ---------------------------------------------------------------- clusters
def cluster_name() -> str:
    """The cluster this process runs (Q_CLUSTER_NAME), "default" for the default one."""
    name = os.environ.get("Q_CLUSTER_NAME") or "default"
    return "default" if name == settings.Q_CLUSTER["name"] else name


def expected_clusters() -> list[str]:
    names = ["default", *settings.Q_CLUSTER["ALT_CLUSTERS"]]
    return [name for name in names if name != "sweep" or settings.SWEEP_QUEUE]


def cluster_register(pid: int) -> None:
    """Called by qcluster at start: django-q2's heartbeat (its Stat) carries host and pid, not
    the cluster's name, so the name is recorded under them."""
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    try:
        client.set(_cluster_key(socket.gethostname(), pid), cluster_name(), ex=30 * 24 * 3600)
    finally:
        client.close()


def _cluster_key(host: str, pid: int) -> str:
    return redis_key("cluster", host, str(pid))


def clusters_check(client: redis.Redis) -> dict[str, dict[str, Any]]:
    """Per expected cluster: its live processes (django-q2 Stats expire 3 s after their last
    guard cycle) and the age of the newest heartbeat."""
    from django.utils import timezone
    from django_q.conf import Conf
    from django_q.status import Stat

    stats = Stat.get_all()
    names = client.mget([_cluster_key(stat.host, stat.pid) for stat in stats]) if stats else []
    found: dict[str, list[Any]] = {}
    for stat, name in zip(stats, names, strict=True):
        if name is not None and stat.status in (Conf.IDLE, Conf.WORKING):
            found.setdefault(name.decode(), []).append(stat)
    now = timezone.now()
    result = {}
    for name in expected_clusters():
        alive = found.get(name, [])
        result[name] = {
            "ok": bool(alive),
            "processes": len(alive),
            "heartbeat_age": (
                round(min((now - stat.timestamp).total_seconds() for stat in alive), 2)
                if alive
                else None
            ),
        }
    return result


# ---------------------------------------------------------------- agents
def _agent_urls() -> list[str]:
    """Distinct agent URLs of every active tenant's active RADIUS servers (one query)."""
    from tenants.selectors import tenant_schemas_active

    connection.set_schema_to_public()  # this runs before the tenant middleware
    schemas = tenant_schemas_active()
    if not schemas:
        return []
    select = 'SELECT api_base_url FROM "{}".radius_radiusserver WHERE active'
    sql = " UNION ".join(select.format(schema) for schema in schemas)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _agent_reachable(url: str) -> bool:
    try:
        return requests.get(f"{url.rstrip('/')}/health", timeout=PROBE_TIMEOUT).status_code == 200
    except requests.RequestException:
        return False


def agents_check() -> dict[str, int]:
    """How many agents answer /health. Cached briefly in Redis: every web host's probe would
    otherwise ask every agent every few seconds."""
    cached = cache.get(AGENTS_CACHE_KEY)
    if cached is not None:
        return cached
    urls = _agent_urls()
    reachable = 0
    if urls:
        with ThreadPoolExecutor(max_workers=min(16, len(urls))) as pool:
            reachable = sum(pool.map(_agent_reachable, urls))
    result = {"reachable": reachable, "unreachable": len(urls) - reachable}
    cache.set(AGENTS_CACHE_KEY, result, settings.READYZ_AGENTS_CACHE_SECONDS)
    return result


# ---------------------------------------------------------------- readiness
def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check(func: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, func()
    except Exception as exc:  # a probe reports every failure, whatever its kind
        return False, f"{exc.__class__.__name__}: {str(exc)[:200]}"


def readiness() -> tuple[bool, bool, dict[str, Any]]:
    """(can serve, everything up, report)."""
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
    )
    try:
        db_ok, db_error = _check(_database)
        redis_ok, redis_error = _check(client.ping)
        checks: dict[str, Any] = {
            "database": {"ok": db_ok} if db_ok else {"ok": False, "error": db_error},
            "redis": {"ok": redis_ok} if redis_ok else {"ok": False, "error": redis_error},
        }
        if redis_ok:
            clusters_ok, clusters = _check(lambda: clusters_check(client))
            checks["clusters"] = clusters if clusters_ok else {"error": clusters}
            clusters_ok = clusters_ok and all(c["ok"] for c in clusters.values())
        else:
            clusters_ok, checks["clusters"] = False, {"error": "Redis unavailable"}
        if db_ok:
            agents_ok, agents = _check(agents_check)
            checks["agents"] = agents if agents_ok else {"error": agents}
            agents_ok = agents_ok and agents["unreachable"] == 0
        else:
            agents_ok, checks["agents"] = False, {"error": "PostgreSQL unavailable"}
    finally:
        client.close()
    serving = db_ok and redis_ok
    return serving, serving and clusters_ok and agents_ok, checks


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """First in MIDDLEWARE: no tenant lookup, no HTTPS redirect, no session for a probe (and for
    Prometheus's /metrics, radtik.metrics)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _json({"detail": "Use GET."}, 405)
        if request.path == "/healthz":
            return _json({"status": "ok"}, 200)
        if request.path == "/metrics":
            from radtik.metrics import metrics_response

            return metrics_response(request)
        started = time.monotonic()
        serving, all_up, checks = readiness()
        status = "ok" if all_up else "degraded" if serving else "unavailable"
        strict = request.GET.get("strict") in ("1", "true", "yes")
        code = 200 if (all_up or (serving and not strict)) else 503
        body = {"status": status, "checks": checks}
        body["took_ms"] = round((time.monotonic() - started) * 1000, 1)
        return _json(body, code)
