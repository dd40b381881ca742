"""The RADIUS agent as a real process (python -m radius.agent) on a free loopback port."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.processes import ROOT, free_port


class Agent:
    def __init__(self, workdir: Path, db: str | None = None, max_batch: int = 1000):
        self.workdir = workdir
        self.db = db or str(workdir / "radius.db")
        self.token = secrets.token_urlsafe(24)
        self.token_file = workdir / "agent.token"
        self.token_file.write_text(self.token + "\n")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.max_batch = max_batch
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.log = open(self.workdir / f"agent-{self.port}.log", "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radius.agent",
                "--db",
                self.db,
                "--token-file",
                str(self.token_file),
                "--port",
                str(self.port),
                "--max-batch",
                str(self.max_batch),
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(
            f"agent did not start: {(self.workdir / f'agent-{self.port}.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
