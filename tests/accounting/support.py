"""Accounting tests' rows: a tenant's RADIUS server on a real agent, a voucher on it, a router."""

from __future__ import annotations

from accounting.ingest import COLUMNS, SessionChange
from accounting.models import Session
from radius.models import RadiusServer
from radius.services import radius_server_create
from routers.models import Router
from vouchers.models import Voucher, VoucherBatch, VoucherProfile


def server_on(agent, radius=None, name: str = "radius-1") -> RadiusServer:
    """The agent as one of the current tenant's RADIUS servers."""
    return radius_server_create(
        name=name,
        host="127.0.0.1",
        api_base_url=agent.url,
        token=agent.token,
        auth_port=radius.auth_port if radius else 1812,
        acct_port=radius.acct_port if radius else 1813,
    ).server


def voucher_on(server: RadiusServer, username: str, **profile) -> Voucher:
    """A voucher of a new batch on `server` (rows only: nothing is synced)."""
    made = VoucherProfile.objects.create(name=f"p-{username}", **profile)
    batch = VoucherBatch.objects.create(profile=made, radius_server=server, count=1)
    return Voucher.objects.create(batch=batch, username=username, password=username)


def router_at(host: str = "127.0.0.1", name: str = "hs-router-1") -> Router:
    return Router.objects.create(name=name, host=host, api_username="admin", api_password="x")


def session_of(username: str) -> Session | None:
    return Session.objects.filter(username=username).order_by("-id").first()


def change_of(session: Session, event: str) -> SessionChange:
    """The change an ingest page would report for the session as stored."""
    return SessionChange(session.pk, event, {c: getattr(session, c) for c in COLUMNS})
