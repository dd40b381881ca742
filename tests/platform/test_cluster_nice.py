"""Worker clusters run niced (settings.CLUSTER_NICE), so on a shared host a burst of background
work takes the CPU the web processes leave: callbacks and pages are answered first."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.processes import start_daphne, start_qcluster
from tests.support.waiting import wait_for


def tree(pid: int) -> list[int]:
    """pid and its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_a_cluster_and_its_workers_run_niced_and_the_web_does_not(live_db, session_tmp):
    own = {"RADTIK_WORKERS": "2", "RADTIK_CLUSTER_NICE": "10"}
    cluster = start_qcluster(session_tmp, **own)
    try:
        web, _ = start_daphne(session_tmp, **own)
        try:
            # The sentinel, its pusher, monitor and both workers: forked after the nice.
            def forked() -> list[int] | None:
                found = tree(cluster.proc.pid)
                return found if len(found) >= 4 else None

            processes = wait_for(forked, timeout=60, what="the cluster's workers forked")
            ours = os.getpriority(os.PRIO_PROCESS, 0)  # this test's, which both inherit
            niced = {os.getpriority(os.PRIO_PROCESS, pid) for pid in processes}
            assert niced == {min(ours + 10, 19)}
            assert os.getpriority(os.PRIO_PROCESS, web.proc.pid) == ours
        finally:
            web.stop()
    finally:
        cluster.stop()
