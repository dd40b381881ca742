"""Ending sessions at the router: the accounting.disconnect job.

For each open session: a Disconnect-Request (RFC 5176), sent by the session's RADIUS host (its
agent: a MikroTik answers only its /radius servers, with the secret it shares with them), to the
router on COA_PORT; when the NAS does not acknowledge it, or acknowledges and keeps the user
online (a complaint about other systems), the router's active entry is removed over the RouterOS
API. A session counts as ended when its Stop has been read back (or, after the API path, when its
active entry is gone: its RADIUS server then closes it, since its Stop never came). The job log
says which path worked for each session.

Users whose access ended (expired, used up) leave RADIUS first, in the same job, so none logs in
again between the disconnect and the removal. Every step is idempotent: a retry skips sessions
already closed and removing a user twice removes nothing more.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounting.choices import SessionService
from accounting.ingest import server_ingest
from accounting.models import Session
from radius.choices import COA_PORT
from radius.client import AgentError, agent_client_for
from radius.models import RadiusServer
from radius.namespace import radius_users_delete
from radtik.jobs.choices import LogLevel
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from routers.connection import router_session

HOTSPOT_ACTIVE, PPP_ACTIVE = "/ip/hotspot/active", "/ppp/active"


def sessions_disconnect(
    *,
    reason: str,
    sessions: Iterable[int] = (),
    vouchers: Iterable[int] = (),
    subscriptions: Iterable[int] = (),
    remove: dict[int, list[str]] | None = None,
    target: Any = None,
    actor: Any = None,
) -> Job:
    """Queue the end of these sessions and of every open session of these vouchers and
    subscriptions (also those read in later, up to the job's run); `remove` ({server id:
    usernames}) leave RADIUS first. Callers audit the change that asked for it."""
    from accounting.tasks import DisconnectSessions  # tasks imports this module

    params = {
        "reason": reason,
        "sessions": sorted(set(sessions)),
        "vouchers": sorted(set(vouchers)),
        "subscriptions": sorted(set(subscriptions)),
        "remove": {str(server): sorted(set(names)) for server, names in (remove or {}).items()},
    }
    with transaction.atomic():
        return job_enqueue(
            kind=DisconnectSessions, target=target, requested_by=actor, params=params
        )


def sessions_disconnect_run(ctx: JobContext) -> dict[str, int]:
    params = ctx.params
    removed = _remove_users(ctx, params.get("remove") or {})
    wanted = (
        Q(pk__in=params.get("sessions") or [])
        | Q(voucher_id__in=params.get("vouchers") or [])
        | Q(subscription_id__in=params.get("subscriptions") or [])
    )
    # Sessions the routers opened since the last ingest are ended too: read them in first.
    servers = set(Session.objects.filter(wanted).values_list("radius_server_id", flat=True))
    servers |= {int(pk) for pk in params.get("remove") or {}}
    for server in RadiusServer.objects.filter(pk__in=servers):
        _ingest(ctx, server)
    open_sessions = list(
        Session.objects.filter(wanted, is_open=True)
        .select_related("router", "radius_server")
        .order_by("id")
    )
    ctx.progress("disconnecting", 10, f"{len(open_sessions)} open session(s): {params['reason']}")
    paths = _ended_before(ctx)
    for number, session in enumerate(open_sessions, 1):
        paths[_end(ctx, session, paths)] += 1
        ctx.save_checkpoint(paths=paths)
        ctx.progress(
            "disconnecting",
            10 + int(number * 90 / len(open_sessions)),
            f"{number}/{len(open_sessions)} ended",
        )
    return {
        "ended": sum(paths.values()),
        "via_disconnect_request": paths["disconnect_request"],
        "via_api": paths["api"],
        "removed_from_radius": removed,
    }


def _ended_before(ctx: JobContext) -> dict[str, int]:
    """The paths earlier attempts ended sessions by: a retry's result still counts them, and
    the session an attempt was ending when it failed counts when it is now closed."""
    saved = ctx.checkpoint
    paths = {"disconnect_request": 0, "api": 0, **saved.get("paths", {})}
    ending = saved.get("ending")
    if ending and Session.objects.filter(pk=ending["session"], is_open=False).exists():
        paths[ending["path"]] += 1
        ctx.save_checkpoint(paths=paths)
    return paths


def _trying(ctx: JobContext, paths: dict[str, int], session: Session, path: str) -> None:
    ctx.save_checkpoint(paths=paths, ending={"session": session.pk, "path": path})


def _remove_users(ctx: JobContext, remove: dict[str, list[str]]) -> int:
    removed = 0
    for server_id, names in remove.items():
        server = RadiusServer.objects.filter(pk=int(server_id)).first()
        if server is None or not names:
            continue
        with agent_client_for(server) as agent:
            removed += radius_users_delete(agent=agent, usernames=names)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        ctx.log(f"{shown} removed from RADIUS server {server.name}: no new login is accepted")
    return removed


def _ingest(ctx: JobContext, server: RadiusServer) -> None:
    try:
        server_ingest(server=server)
    except AgentError as exc:
        ctx.log(f"could not read accounting of {server.name}: {exc}", level=LogLevel.WARNING)


def _end(ctx: JobContext, session: Session, paths: dict[str, int]) -> str:
    """End one session; the path that did it ("disconnect_request" or "api")."""
    who = f"{session.username} ({session.session_id})"
    nas = session.router.host if session.router else session.nas_ip_address
    _trying(ctx, paths, session, "disconnect_request")
    try:
        with agent_client_for(session.radius_server) as agent:
            answer = agent.disconnect(
                nas=nas,
                port=COA_PORT,
                username=session.username,
                session_id=session.session_id,
                framed_ip=session.framed_ip_address,
                timeout=settings.ACCOUNTING_DISCONNECT_TIMEOUT,
            )
        acked = answer.acked
        said = {
            "ack": "Disconnect-ACK",
            "nak": f"Disconnect-NAK (Error-Cause {answer.error_cause})",
        }
        heard = said.get(answer.result, "no answer")
    except AgentError as exc:
        acked, heard = False, f"not sent ({exc})"
    if acked:
        if _stopped(ctx, session):
            ctx.log(f"{who} ended by Disconnect-Request: {nas} acknowledged and its Stop arrived")
            return "disconnect_request"
        ctx.log(
            f"{who}: {nas} acknowledged the Disconnect-Request but sent no Stop; "
            "removing it over the RouterOS API",
            level=LogLevel.WARNING,
        )
    else:
        ctx.log(
            f"{who}: Disconnect-Request to {nas}:{COA_PORT}: {heard}; "
            "removing it over the RouterOS API",
            level=LogLevel.WARNING,
        )
    if session.router is None:
        raise RuntimeError(
            f"{who} is still online and its NAS {nas} is none of this account's routers, so "
            "the RouterOS API cannot end it: check the router's /radius incoming (accept=yes)"
        )
    _trying(ctx, paths, session, "api")
    menu, removed = _remove_active(session)
    if _stopped(ctx, session):
        ctx.log(f"{who} ended through the RouterOS API ({menu} remove): its Stop arrived")
        return "api"
    if removed or not _active_rows(session):
        ctx.log(f"{who} ended through the RouterOS API ({menu} remove): no longer active")
        _close_at_radius(ctx, session, who)
        return "api"
    raise RuntimeError(f"{who} is still active on {session.router.name}")


def _close_at_radius(ctx: JobContext, session: Session, who: str) -> None:
    """The router has no entry for the session and its Stop never came (lost on the way, or
    a NAS that sends none): close it at its RADIUS server and read that in, or it would stay
    online on the pages and count against Simultaneous-Use until it went stale."""
    server = session.radius_server
    try:
        with agent_client_for(server) as agent:
            agent.session_close(session.radacct_id)
    except AgentError as exc:
        ctx.log(
            f"{who}: its Stop never came and RADIUS server {server.name} could not close it "
            f"({exc}); it closes once it goes stale",
            level=LogLevel.WARNING,
        )
        return
    _ingest(ctx, server)
    ctx.log(f"{who}: its Stop never came, so RADIUS server {server.name} closed it")


def _stopped(ctx: JobContext, session: Session) -> bool:
    """Whether the session's Stop was read back within the verification window."""
    deadline = time.monotonic() + settings.ACCOUNTING_DISCONNECT_VERIFY
    while True:
        _ingest(ctx, session.radius_server)
        if Session.objects.filter(pk=session.pk, is_open=False).exists():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def _menus(session: Session) -> list[str]:
    """Both active menus, the session's service first: a service is what radtik believes of
    the session's owner (a voucher is a hotspot user), and a PPPoE login with a voucher must not
    pass for ended because the hotspot's list lacks it."""
    if session.service == SessionService.PPPOE:
        return [PPP_ACTIVE, HOTSPOT_ACTIVE]
    return [HOTSPOT_ACTIVE, PPP_ACTIVE]


def _active_rows(session: Session, api: Any = None) -> list[tuple[str, dict[str, str]]]:
    """The router's active entries of this session: its user's, at its address when known."""
    if api is None:
        with _api(session) as api:
            return _active_rows(session, api)
    found = []
    for menu in _menus(session):
        key = "name" if menu == PPP_ACTIVE else "user"
        rows = api.print(menu, **{key: session.username})
        at_address = [r for r in rows if r.get("address") == session.framed_ip_address]
        found += [(menu, row) for row in (at_address or rows)]
    return found


def _remove_active(session: Session) -> tuple[str, int]:
    with _api(session) as api:
        rows = _active_rows(session, api)
        for menu in {menu for menu, _ in rows}:
            api.remove(menu, *[row[".id"] for m, row in rows if m == menu])
    menu = rows[0][0] if rows else _menus(session)[0]
    return menu, len(rows)


def _api(session: Session):
    """The router's API; its errors (RouterError, a message saying what to check) fail the
    attempt, which the kind's policy retries."""
    return router_session(session.router, timeout=settings.ROUTER_API_TIMEOUT)
