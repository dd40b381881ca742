"""Real worker and server processes for tests, pointed at the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from django.db import connection

from radius.testing.agent import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_TASK_MAX_TIMEOUT = 8
TEST_REDELIVERY_MARGIN = 4
# How long a started process may take to serve. Generous: with the suite in two workers, a test
# starting six processes at once saw a qcluster take over 30 s to load Django. One that exits
# early is reported at once.
START_DEADLINE = 120


def test_database_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for a browser test's own thread only
    env.update(
        DATABASE_URL=test_database_url(),
        RADTIK_EXTRA_TASK_MODULES="tests.support.jobkinds",
        RADTIK_TASK_MAX_TIMEOUT=str(TEST_TASK_MAX_TIMEOUT),
        RADTIK_TASK_REDELIVERY_MARGIN=str(TEST_REDELIVERY_MARGIN),
        RADTIK_WORKERS="2",
        # The suite's clusters share the cores with the browser and the test itself, whose
        # deadlines assume they are not starved (tests/platform/test_cluster_nice.py checks it).
        RADTIK_CLUSTER_NICE="0",
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

    def kill(self) -> None:
        """SIGKILL the whole process group, as a host losing power would: nothing cleans up."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

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


# Every qcluster a test started, so a test that brings its own worker hosts can pause the rest.
STARTED_CLUSTERS: list[Process] = []


@contextmanager
def other_clusters_paused(mine: list[Process]) -> Iterator[None]:
    """SIGSTOP every running qcluster not in `mine` (the session's clusters would take the
    test's tasks from the same ORM broker), SIGCONT them after. A task one of them had taken is
    handed out again after the broker's `retry`, as from a dead worker."""
    paused = [p for p in STARTED_CLUSTERS if p not in mine and p.proc.poll() is None]
    for proc in paused:
        os.killpg(proc.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for proc in paused:
            if proc.proc.poll() is None:
                os.killpg(proc.proc.pid, signal.SIGCONT)


def _wait_ready(proc: Process, what: str, ready: Callable[[], bool], pause: float = 0.2) -> None:
    """Until ready() says so; a process that exits, or is not ready by START_DEADLINE, is
    stopped and reported with the end of its log."""
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.proc.poll() is not None:
            break
        time.sleep(pause)
    code = proc.proc.poll()  # before stop(), which ends it
    why = f"exited with {code}" if code is not None else f"not ready in {START_DEADLINE} s"
    proc.stop()
    raise RuntimeError(f"{what} did not start ({why}):\n{proc.tail()}")


def start_qcluster(tmp_dir: Path, queue: str = "", **extra_env: str) -> Process:
    env = process_env(**extra_env, **({"Q_CLUSTER_NAME": queue} if queue else {}))
    name = f"qcluster{queue}" + (f"-{time.monotonic_ns()}" if extra_env else "")
    proc = Process([sys.executable, "manage.py", "qcluster"], tmp_dir / f"{name}.log", env)
    _wait_ready(proc, "qcluster", lambda: "running" in proc.log_path.read_text(errors="replace"))
    STARTED_CLUSTERS.append(proc)
    return proc


def start_daphne(tmp_dir: Path, **extra_env: str) -> tuple[Process, int]:
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
        tmp_dir / (f"daphne-{port}.log" if extra_env else "daphne.log"),
        process_env(**extra_env),
    )

    def serving() -> bool:
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", timeout=5)
            return True
        except requests.RequestException:  # refused while starting, or slow on its first request
            return False

    _wait_ready(proc, "daphne", serving)
    return proc, port


def start_redis(tmp_dir: Path) -> tuple[Process, str]:
    """A throwaway redis-server on a free port (never the machine's: tests may stop this one)."""
    port = free_port()
    proc = Process(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_dir)],
        tmp_dir / f"redis-{port}.log",
        dict(os.environ),
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    def answering() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.ConnectionError:
            return False

    _wait_ready(proc, "redis-server", answering, pause=0.1)
    return proc, url
