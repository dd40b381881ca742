"""Sessions read back from a RADIUS server's agent into the tenant's Session table.

Each read asks the agent for the sessions changed since the server's cursor
(radius/agent/store/accounting.py: change numbers in commit order), a page at a time. A page is
applied in one transaction with the cursor's advance, under the cursor row's lock: an ingest
cut anywhere resumes at the first page not committed, two ingests of one server never interleave,
and a page read twice changes nothing (a row is only written when its change number moved on).

A page is written as one COPY into a temporary table and one INSERT .. ON CONFLICT from it:
10,000 changed sessions per cycle cost two statements per 5,000, not one per session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounting.choices import EVENT_CHUNK, SESSIONS_TOPIC, SessionService
from accounting.models import AccountingCursor, Session
from billing.models import Subscription
from radius.client import agent_client_for
from radius.models import RadiusServer
from radtik import lookups  # noqa: F401  (field__any: one array parameter, not thousands)
from radtik.events import publish
from radtik.tenancy import current_tenant_id
from routers.models import PPPSecret, Router
from vouchers.models import Voucher

logger = logging.getLogger("radtik.accounting")

# Written from each page (the temporary table's columns, in COPY order).
COLUMNS = (
    "radius_server_id", "radacct_id", "change", "username", "session_id", "unique_id", "service",
    "router_id", "voucher_id", "subscription_id", "ppp_secret_id", "nas_ip_address",
    "nas_identifier", "mac_address", "framed_ip_address", "started_at", "updated_at",
    "stopped_at", "is_open", "terminate_cause", "input_octets", "output_octets", "session_time",
    "ingested_at",
)  # fmt: skip
_KEY = ("radius_server_id", "radacct_id")
_UPSERT = f"""
INSERT INTO accounting_session ({", ".join(COLUMNS)})
SELECT {", ".join(COLUMNS)} FROM accounting_incoming
ON CONFLICT ({", ".join(_KEY)}) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c not in _KEY)}
WHERE accounting_session.change < EXCLUDED.change
RETURNING id, radacct_id
"""


@dataclass(frozen=True)
class SessionChange:
    """A session the page wrote: new, moved on (interim), or stopped."""

    session_id: int
    event: str  # "started", "updated", "stopped"
    row: dict[str, Any]  # the values written (COLUMNS)


@dataclass
class IngestResult:
    pages: int = 0
    changed: int = 0  # sessions written (a page read twice writes none)
    cursor: int = 0
    changes: list[SessionChange] = field(default_factory=list)


# Called in the page's transaction with what it wrote (accounting.usage registers the voucher
# and subscription transitions; the events go out here).
PageHook = Callable[[RadiusServer, list[SessionChange]], None]
_page_hooks: list[PageHook] = []


def page_hook_add(hook: PageHook) -> None:
    if hook not in _page_hooks:
        _page_hooks.append(hook)


def cursor_for(server: RadiusServer) -> AccountingCursor:
    cursor, _ = AccountingCursor.objects.get_or_create(
        radius_server=server, defaults={"due_at": timezone.now()}
    )
    return cursor


def server_ingest(
    *, server: RadiusServer, max_pages: int | None = None, keep: bool = False
) -> IngestResult:
    """Read the server's changed sessions in, page by page, until the agent has no more (or
    `max_pages`). Agent errors propagate (AgentError) after the pages already committed.
    `keep`: return every change (tests, the bench); otherwise only the counts."""
    max_pages = max_pages or settings.ACCOUNTING_MAX_PAGES
    cursor_for(server)
    result = IngestResult()
    with agent_client_for(server) as agent:
        while result.pages < max_pages:
            with transaction.atomic():
                state = AccountingCursor.objects.select_for_update().get(radius_server=server)
                page = agent.sessions(after=state.cursor, limit=settings.ACCOUNTING_PAGE)
                changes = _apply(server, page.sessions) if page.sessions else []
                for hook in _page_hooks:
                    hook(server, changes)
                sessions_publish(changes)
                state.cursor = max(state.cursor, page.cursor)
                state.sessions_changed += len(changes)
                state.last_error = ""
                if not page.more:
                    state.ingested_at = timezone.now()
                state.save(
                    update_fields=["cursor", "sessions_changed", "last_error", "ingested_at"]
                )
            result.pages += 1
            result.changed += len(changes)
            result.cursor = state.cursor
            if keep:
                result.changes += changes
            if not page.more:
                break
    return result


def _apply(server: RadiusServer, sessions: list[dict[str, Any]]) -> list[SessionChange]:
    """Write one page; returns the sessions it changed (none for a page already applied)."""
    rows = _rows(server, sessions)
    was_open = dict(
        Session.objects.filter(
            radius_server=server, radacct_id__any=[row["radacct_id"] for row in rows]
        ).values_list("radacct_id", "is_open")
    )
    with connection.cursor() as cursor:
        # Dropped at commit; dropped here too for a page applied inside an outer transaction.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.accounting_incoming")
        cursor.execute(
            "CREATE TEMPORARY TABLE accounting_incoming ON COMMIT DROP AS "
            f"SELECT {', '.join(COLUMNS)} FROM accounting_session WITH NO DATA"
        )
        with cursor.copy(f"COPY accounting_incoming ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in COLUMNS])
        cursor.execute(_UPSERT)
        written = dict((radacct_id, pk) for pk, radacct_id in cursor.fetchall())
    changes = []
    for row in rows:
        pk = written.get(row["radacct_id"])
        if pk is None:
            continue
        before = was_open.get(row["radacct_id"])
        if row["is_open"]:
            event = "started" if before is None else "updated"
        else:
            event = "stopped" if before is not False else "updated"
        changes.append(SessionChange(pk, event, row))
    return changes


def sessions_publish(changes: list[SessionChange]) -> None:
    """Tell the tenant's pages (online users, history, dashboards) what the page changed: one
    SessionsChanged per EVENT_CHUNK sessions, sent when the page commits."""
    tenant = current_tenant_id()
    for start in range(0, len(changes), EVENT_CHUNK):
        chunk = changes[start : start + EVENT_CHUNK]
        publish(
            tenant,
            SESSIONS_TOPIC,
            "SessionsChanged",
            {"sessions": [session_payload(c) for c in chunk]},
        )


def session_payload(change: SessionChange) -> dict[str, Any]:
    row = change.row
    return {
        "id": change.session_id,
        "event": change.event,
        "username": row["username"],
        "service": row["service"],
        "router": row["router_id"],
        "voucher": row["voucher_id"],
        "subscription": row["subscription_id"],
        "ppp_secret": row["ppp_secret_id"],
        "mac_address": row["mac_address"],
        "framed_ip_address": row["framed_ip_address"],
        "started_at": _iso(row["started_at"]),
        "stopped_at": _iso(row["stopped_at"]),
        "is_open": row["is_open"],
        "session_time": row["session_time"],
        "input_octets": row["input_octets"],
        "output_octets": row["output_octets"],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rows(server: RadiusServer, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's sessions as Session rows, linked to their owner and router. A radacct row
    appears once per page (at its latest change), so rows never repeat a key."""
    names = {s["username"] for s in sessions}
    owners = _owners(server, names)
    routers = _routers()
    now = timezone.now()
    rows = []
    for s in sessions:
        voucher, subscription, secret, service = owners.get(s["username"], (None, None, None, ""))
        stopped = _time(s["stop_time"])
        rows.append(
            {
                "radius_server_id": server.pk,
                "radacct_id": s["id"],
                "change": s["change"],
                "username": s["username"][:253],
                "session_id": s["session_id"][:64],
                "unique_id": s["unique_id"][:64],
                "service": service,
                "router_id": routers.get(s["nas_ip_address"]) or routers.get(s["nas_identifier"]),
                "voucher_id": voucher,
                "subscription_id": subscription,
                "ppp_secret_id": secret,
                "nas_ip_address": s["nas_ip_address"][:45],
                "nas_identifier": s["nas_identifier"][:253],
                "mac_address": s["calling_station_id"][:64],
                "framed_ip_address": s["framed_ip_address"][:45],
                "started_at": _time(s["start_time"]),
                "updated_at": _time(s["update_time"]),
                "stopped_at": stopped,
                "is_open": stopped is None,
                "terminate_cause": s["terminate_cause"][:64],
                "input_octets": s["input_octets"],
                "output_octets": s["output_octets"],
                "session_time": s["session_time"],
                "ingested_at": now,
            }
        )
    return rows


def _owners(
    server: RadiusServer, names: Iterable[str]
) -> dict[str, tuple[int | None, int | None, int | None, str]]:
    """username -> (voucher, subscription, PPP secret, service) on this server. One username
    namespace per server (radius.namespace): at most one of them holds a name."""
    names = list(names)
    found: dict[str, tuple[int | None, int | None, int | None, str]] = {}
    vouchers = Voucher.objects.filter(username__any=names, batch__radius_server=server)
    for name, pk in vouchers.values_list("username", "pk"):
        found[name] = (pk, None, None, SessionService.HOTSPOT)
    subscriptions = Subscription.objects.filter(username__any=names, radius_server=server)
    for name, pk, service in subscriptions.values_list("username", "pk", "package__service"):
        found.setdefault(name, (None, pk, None, service))
    secrets = PPPSecret.objects.filter(name__any=names, moved_to_radius_server=server)
    for name, pk in secrets.values_list("name", "pk"):
        found.setdefault(name, (None, None, pk, SessionService.PPPOE))
    return found


def _routers() -> dict[str, int]:
    """The router a session came through: by the NAS's address (radtik registers each router
    with RADIUS by its address), else by its identity (NAS-Identifier) as radtik names it."""
    by = {}
    for pk, name, host in Router.objects.values_list("pk", "name", "host"):
        by.setdefault(name, pk)
        by[host] = pk
    return by


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def due_after(interval: int, due_at: datetime) -> datetime:
    """The next read: `interval` after the one that was due, never in the past."""
    return max(timezone.now(), due_at + timedelta(seconds=interval))
