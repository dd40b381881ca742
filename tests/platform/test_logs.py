"""Structured logs as an operator's log shipper reads them: one JSON object per line, each with
tenant, job id and request id, and no secret anywhere."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from django_tenants.utils import schema_context

from radtik.jobs.services import job_enqueue
from tests.conftest import PASSWORD
from tests.support.jobkinds import AlwaysFails
from tests.support.jobs import wait_job

CALLBACK_SECRET = "cb-secret-Zq81xPw"
WRONG_PASSWORD = "not-the-Password-7731"


def lines(path: Path) -> list[dict]:
    parsed = []
    for line in path.read_text(errors="replace").splitlines():
        if line.strip():
            parsed.append(json.loads(line))  # every line is JSON, or this fails naming it
    return parsed


def wait_line(path: Path, match, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [entry for entry in lines(path) if match(entry)]
        if found:
            return found[-1]
        time.sleep(0.3)
    raise AssertionError(f"no matching line in {path.name}:\n{path.read_text()[-3000:]}")


def test_web_and_worker_lines_are_json_with_tenant_job_and_request_ids_and_no_secret(
    live_db, clusters, daphne_server, session_tmp, make_user
):
    make_user("alpha", "logs-admin", role="admin")
    base = f"http://127.0.0.1:{daphne_server}"
    host = {"Host": "alpha.localhost"}
    requests.get(f"{base}/login/", headers={**host, "X-Request-ID": "req-logs-1"}, timeout=30)
    session = requests.Session()
    session.get(f"{base}/login/", headers=host, timeout=30)
    session.post(
        f"{base}/login/",
        data={
            "username": "logs-admin",
            "password": WRONG_PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={**host, "X-Request-ID": "req-logs-2"},
        timeout=30,
    )
    requests.post(
        f"{base}/api/payments/mpesa/callback/{CALLBACK_SECRET}/",
        data="{}",
        headers={**host, "Content-Type": "application/json", "X-Request-ID": "req-logs-3"},
        timeout=30,
    )
    with schema_context("alpha"):
        job = job_enqueue(kind=AlwaysFails)
    wait_job(job.pk)

    web_log, worker_log = session_tmp / "daphne.log", session_tmp / "qcluster.log"
    page = wait_line(web_log, lambda e: e.get("request_id") == "req-logs-1")
    assert page["tenant"] == "alpha" and page["job_id"] == "-"
    assert page["logger"] == "radtik.access" and page["status"] == 200
    assert page["path"] == "/login/" and {"time", "level", "message"} <= set(page)
    callback = wait_line(web_log, lambda e: e.get("request_id") == "req-logs-3")
    assert callback["path"] == "/api/payments/mpesa/callback/***/"
    failed = wait_line(worker_log, lambda e: e.get("job_id") == str(job.pk))
    assert failed["tenant"] == "alpha" and failed["request_id"] == "-"
    assert "failed" in failed["message"]

    for path in (web_log, worker_log):
        entries = lines(path)
        assert entries and all({"tenant", "job_id", "request_id"} <= set(e) for e in entries)
        text = path.read_text()
        for secret in (CALLBACK_SECRET, WRONG_PASSWORD, PASSWORD):
            assert secret not in text
    # The id is sent back, so a user's report names the request.
    answered = requests.get(f"{base}/login/", headers={**host, "X-Request-ID": "abc-1"}, timeout=30)
    assert answered.headers["X-Request-ID"] == "abc-1"
    made = requests.get(f"{base}/login/", headers={**host, "X-Request-ID": "bad id!"}, timeout=30)
    assert made.headers["X-Request-ID"] != "bad id!" and len(made.headers["X-Request-ID"]) == 32


def test_the_task_clusters_log_no_line_per_task():
    """make run's banner stays readable: django-q2 ("django-q") keeps its cluster's lines and
    warnings but none per task; the jobs' own lines say what ran."""
    import logging

    kept = []
    handler = logging.Handler()
    handler.emit = kept.append
    quiet = logging.getLogger("django-q")
    quiet.addHandler(handler)
    try:
        quiet.info("Enqueued [radtik] 6")
        quiet.info("Process-1 processing sweep:routers.health 'radtik.jobs.sweep.sweep_tick'")
        quiet.info("Processed 'radtik.jobs.sweep.sweep_tick' (sweep:routers.health)")
        quiet.info("Q Cluster fish-south [payments] running.")
        quiet.warning("Process-1 stopped doing work")
    finally:
        quiet.removeHandler(handler)
    assert [r.getMessage() for r in kept] == [
        "Q Cluster fish-south [payments] running.",
        "Process-1 stopped doing work",
    ]
