"""Every active RADIUS server of every active tenant, read back every Tenant.accounting_interval s.

A standing sweep (radtik.jobs.sweep.sweep_register), as router health: no Job per read. Each
tick claims the servers whose read is due in each active tenant's schema (holding them for the
sweep's lease) and hands them to this process's few reader threads, then returns: a slow agent
holds one thread, never the tick. A read that dies with its process is claimed again after the
lease, and resumes from the cursor its last committed page left (accounting.ingest).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounting.ingest import due_after, server_ingest
from accounting.models import AccountingCursor
from radius.client import AgentError
from radius.models import RadiusServer
from radtik.jobs.sweep import Sweep, sweep_ensure, sweep_register
from radtik.logs import log_context
from tenants.models import Tenant
from vouchers.usage import vouchers_expire_validity

logger = logging.getLogger("radtik.accounting")
INGEST_SWEEP_NAME = "accounting.ingest"


@dataclass(frozen=True)
class Claimed:
    server_id: int
    due_at: datetime
    interval: int


def ingest_claim(limit: int, lease: float) -> list[Claimed]:
    """In the current schema: up to `limit` active servers whose read is due, held for
    `lease` s. A server without a cursor yet gets one, due now."""
    now = timezone.now()
    missing = RadiusServer.objects.filter(active=True, accounting_cursor__isnull=True)
    AccountingCursor.objects.bulk_create(
        [AccountingCursor(radius_server=server, due_at=now) for server in missing],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        rows = list(
            AccountingCursor.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=now, radius_server__active=True)
            .order_by("due_at")[:limit]
        )
        if not rows:
            return []
        interval = Tenant.objects.values_list("accounting_interval", flat=True).get(
            schema_name=connection.schema_name
        )
        claimed = [Claimed(row.radius_server_id, row.due_at, interval) for row in rows]
        AccountingCursor.objects.filter(pk__in=[row.pk for row in rows]).update(
            due_at=now + timedelta(seconds=lease)
        )
    return claimed


def ingest_watching() -> bool:
    return RadiusServer.objects.filter(active=True).exists()


def server_cycle(*, server: RadiusServer) -> None:
    """One read of a server: its changed sessions in, then its vouchers past their validity
    expired (time passes without accounting: a voucher valid an hour after first use ends on
    the hour, not at its next interim update)."""
    server_ingest(server=server)
    vouchers_expire_validity(server_id=server.pk)


def ingest_sweep_run(claimed: dict[str, list[Claimed]]) -> None:
    pool = _pool()
    for schema, items in claimed.items():
        for item in items:
            pool.submit(_read, schema, item)


def _read(schema: str, item: Claimed) -> None:
    """One server's read, on a reader thread; the next one is scheduled whatever happened."""
    try:
        with schema_context(schema), log_context(tenant=schema):
            error = ""
            try:
                server_cycle(server=RadiusServer.objects.get(pk=item.server_id))
            except AgentError as exc:
                error = str(exc)
            except Exception as exc:  # noqa: BLE001 - logged; the next read tries again
                logger.exception("reading accounting of server %s failed", item.server_id)
                error = f"radtik could not read this server's accounting: {exc}"
            AccountingCursor.objects.filter(radius_server_id=item.server_id).update(
                due_at=due_after(item.interval, item.due_at), last_error=error[:500]
            )
    except Exception:  # noqa: BLE001 - the lease runs out and the read is claimed again
        logger.exception("accounting read in %s failed", schema)
    finally:
        connection.close()  # reader threads keep no connection between reads


_lock = threading.Lock()
_state: dict[str, object] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's reader threads (made again after a fork)."""
    with _lock:
        if _state.get("pid") != os.getpid():
            _state.update(
                pid=os.getpid(),
                pool=ThreadPoolExecutor(
                    max_workers=settings.ACCOUNTING_CONCURRENCY, thread_name_prefix="accounting"
                ),
            )
        return _state["pool"]  # type: ignore[return-value]


def ingest_sweep_ensure() -> None:
    """A server was added or enabled: make sure the sweep's chain runs."""
    transaction.on_commit(lambda: sweep_ensure(INGEST_SWEEP_NAME), robust=True)


INGEST_SWEEP = Sweep(
    run=ingest_sweep_run,
    tick_seconds=settings.ACCOUNTING_TICK,
    limit=50,
    # MAX_PAGES agent requests, each bounded by the agent timeout, and their writes.
    lease=settings.ACCOUNTING_MAX_PAGES * (settings.RADIUS_AGENT_TIMEOUT + 5),
    claim=ingest_claim,
    watching=ingest_watching,
)
sweep_register(INGEST_SWEEP_NAME, INGEST_SWEEP)
