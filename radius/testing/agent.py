"""The RADIUS agent as a real process (python -m radius.agent) on a free loopback port."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import requests

from radius.agent.app import DEFAULT_MAX_BATCH

ROOT = Path(__file__).resolve().parents[2]
# Where scratch databases are created (CREATE DATABASE rights needed).
POSTGRES_URL = os.environ.get(
    "RADIUS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# How long a starting process may take before it counts as broken. It returns as soon as it is
# ready or has exited, so only a hung start waits this long (benches run at a load of 30+).
STARTUP_DEADLINE = float(os.environ.get("RADIUS_TEST_STARTUP_DEADLINE", "180"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def create_database(server_url: str = POSTGRES_URL, prefix: str = "radtik_agent_test") -> str:
    """A new, empty PostgreSQL database on the server of server_url; its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class RadiusAgent:
    """`python -m radius.agent` in a subprocess; stop() and start() keep its port, db and token."""

    def __init__(
        self,
        workdir: Path,
        db: str | None = None,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        stale_after: int = 0,
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db = db or str(self.workdir / "radius.db")
        self.token = secrets.token_urlsafe(32)
        self.token_file = self.workdir / "agent.token"
        self.token_file.write_text(self.token + "\n")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.max_batch = max_batch
        self.stale_after = stale_after  # 0: never close silent sessions (tests ask for it)
        self.log_path = self.workdir / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.start()

    @property
    def dialect(self) -> str:
        return "postgresql" if self.db.startswith(("postgres://", "postgresql://")) else "sqlite"

    def start(self, timeout: float = STARTUP_DEADLINE) -> None:
        """Returns once /health answers; fails at once if the process exits, else after
        `timeout` s (generous: a loaded machine or a big store can take a minute)."""
        if self.running:
            return
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        command = [
            sys.executable, "-m", "radius.agent", "--db", self.db,
            "--token-file", str(self.token_file), "--port", str(self.port),
            "--max-batch", str(self.max_batch), "--stale-after", str(self.stale_after),
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if requests.get(f"{self.url}/health", timeout=5).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
                pass
            time.sleep(0.05)
        exited = self.proc.poll()
        self.stop()
        why = f"exited with status {exited}" if exited is not None else f"not up in {timeout:.0f} s"
        raise RuntimeError(f"RADIUS agent did not start ({why}); its log:\n{self.tail()}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An authenticated request (headers= adds to or overrides the Authorization header)."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
