"""Real worker and server processes for tests, pointed at the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.db import connection

from radius.testing.agent import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_TASK_MAX_TIMEOUT = 8
TEST_REDELIVERY_MARGIN = 4


def test_database_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        RADTIK_EXTRA_TASK_MODULES="tests.support.jobkinds",
        RADTIK_TASK_MAX_TIMEOUT=str(TEST_TASK_MAX_TIMEOUT),
        RADTIK_TASK_REDELIVERY_MARGIN=str(TEST_REDELIVERY_MARGIN),
        RADTIK_WORKERS="2",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    env.update(extra)
    return env


class Process:
    def __init__(self, args: list[str], log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.proc.pid).children(recursive=True)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_qcluster(tmp_dir: Path, queue: str = "") -> Process:
    env = process_env(Q_CLUSTER_NAME=queue) if queue else process_env()
    proc = Process([sys.executable, "manage.py", "qcluster"], tmp_dir / f"qcluster{queue}.log", env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "running" in proc.log_path.read_text(errors="replace"):
            return proc
        if proc.proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"qcluster did not start:\n{proc.tail()}")


def start_daphne(tmp_dir: Path) -> tuple[Process, int]:
    port = free_port()
    proc = Process(
        [
            sys.executable,
            "-m",
            "radtik.webserver",  # as `make run` serves: daphne with a connection pool
            "--processes",
            "1",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        tmp_dir / "daphne.log",
        process_env(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", timeout=5)
            return proc, port
        except requests.RequestException:  # refused while starting, or slow on its first request
            if proc.proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"daphne did not start:\n{proc.tail()}")
