"""The idle product's memory: the web server and the two task clusters as `make run` starts them
(bench/payments_callback.py's launcher, which calls idle_memory() once they serve and before any
load), after 10 s with nothing to do.

Prints per part its processes, their resident memory (RSS, pages shared after a fork counted in
each) and their proportional share (PSS, each shared page divided among its sharers: what the
processes really cost together), the total, and as baseline one Django process that only set
itself up, measured the same way in the same run. Worker counts are whatever the environment
says (RADTIK_WORKERS, RADTIK_PAYMENT_WORKERS, the web's processes per core), printed beside.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

IDLE_SECONDS = 10


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB, from /proc/<pid>/smaps_rollup."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                values[name] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0
    return values.get("Rss", 0), values.get("Pss", 0)


def measure(pid: int) -> tuple[int, int, int]:
    pids = tree(pid)
    sizes = [memory_kb(p) for p in pids]
    return len(pids), sum(s[0] for s in sizes), sum(s[1] for s in sizes)


def idle_memory(
    procs: list[subprocess.Popen],
    spawn: Callable[[list[str], Path], subprocess.Popen],
    workdir: Path,
    web_processes: int,
) -> None:
    """Print the memory of the product in `procs` (web, default cluster, payments cluster, as
    payments_callback.serve started them), idle for IDLE_SECONDS, beside a bare Django process
    (spawned with `spawn`, appended to `procs` so the caller's cleanup stops it)."""
    bare = spawn(
        [sys.executable, "-c", "import django, time; django.setup(); time.sleep(60)"],
        workdir / "bare.log",
    )
    procs.append(bare)
    time.sleep(IDLE_SECONDS)
    parts = {
        f"web (radtik.webserver, {web_processes} daphne)": procs[0].pid,
        f"default cluster (RADTIK_WORKERS={os.environ.get('RADTIK_WORKERS')})": procs[1].pid,
        "payments cluster (RADTIK_PAYMENT_WORKERS="
        f"{os.environ.get('RADTIK_PAYMENT_WORKERS', '2')})": procs[2].pid,
    }
    print(f"idle product after {IDLE_SECONDS} s on {os.cpu_count()} cores:")
    total = [0, 0, 0]
    for name, pid in parts.items():
        count, rss, pss = measure(pid)
        total = [total[0] + count, total[1] + rss, total[2] + pss]
        print(f"  {name}: {count} processes, RSS {rss / 1024:.0f} MB, PSS {pss / 1024:.0f} MB")
    print(
        f"  total: {total[0]} processes, RSS {total[1] / 1024:.0f} MB, PSS {total[2] / 1024:.0f} MB"
    )
    _, bare_rss, bare_pss = measure(bare.pid)
    print(
        f"  baseline one set-up Django process: RSS {bare_rss / 1024:.0f} MB, PSS "
        f"{bare_pss / 1024:.0f} MB; ratio total PSS {total[2] / bare_pss:.1f}x",
        flush=True,
    )
    bare.kill()
