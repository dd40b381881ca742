"""HTTP and websockets on one address, served by several daphne processes.

Under ASGI Django runs sync views in threads of one process, so a daphne process serves at the
speed of one core (the GIL): a machine with more cores needs more processes. Each child adopts
its own listening socket bound with SO_REUSEPORT to the same address, so the kernel spreads new
connections over the children; with one shared socket, the first child to wake takes a whole
burst of keep-alive connections and keeps them. Websockets work from any child: the channel
layer is Redis.

    python -m radtik.webserver -b 0.0.0.0 -p 8000 [--processes N]   (default: WEB_PROCESSES,
    else one per core). Stops all children when one exits, or on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = "radtik.asgi:application"
STOP_TIMEOUT = 15  # s for a child to finish its requests after SIGTERM


def default_processes() -> int:
    return int(os.environ.get("WEB_PROCESSES") or os.cpu_count() or 1)


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def child_environment() -> dict[str, str]:
    """A connection pool instead of persistent connections, as Django's databases docs advise
    under ASGI: a daphne's connections stay bounded whatever threads use them."""
    return {**os.environ, "DB_POOL_SIZE": os.environ.get("DB_POOL_SIZE", "16")}


def metrics_directory() -> str | None:
    """The children's metrics in one place (prometheus_client's multiprocess mode), so /metrics
    from any child counts every child's requests. A new empty directory per start, as that mode
    requires; None when the operator gave one (PROMETHEUS_MULTIPROC_DIR: then they empty it)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    path = tempfile.mkdtemp(prefix="radtik-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


def start_children(
    host: str, port: int, processes: int, daphne_args: list[str]
) -> list[subprocess.Popen]:
    """Bind every socket before the first child starts, so a bind error leaves nothing behind."""
    sockets = [listening_socket(host, port) for _ in range(processes)]
    env = child_environment()
    children = []
    try:
        for sock in sockets:
            # daphne with its access log redacted (radtik.daphne_cli).
            command = [sys.executable, "-m", "radtik.daphne_cli", "--fd", str(sock.fileno())]
            children.append(
                subprocess.Popen(
                    [*command, *daphne_args, APPLICATION],
                    cwd=ROOT,
                    env=env,
                    pass_fds=(sock.fileno(),),
                )
            )
    except BaseException:
        stop_children(children)
        raise
    finally:
        for sock in sockets:  # the children hold their own copies
            sock.close()
    return children


def stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-b", "--bind", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--processes", type=int, default=default_processes())
    args, daphne_args = parser.parse_known_args(argv)
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    own_metrics = metrics_directory()
    children = start_children(args.bind, args.port, max(1, args.processes), daphne_args)
    # A JSON line like every other (radtik.logs); this launcher does not set Django up.
    started = f"radtik.webserver: {len(children)} daphne processes on {args.bind}:{args.port}"
    print(json.dumps({"level": "INFO", "logger": "radtik.webserver", "message": started,
                      "tenant": "-", "job_id": "-", "request_id": "-"}), flush=True)  # fmt: skip
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        stop_children(children)
        if own_metrics:
            shutil.rmtree(own_metrics, ignore_errors=True)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
