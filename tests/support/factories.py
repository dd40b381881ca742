"""Rows for list and isolation tests, written straight to the current schema (call them inside
`schema_context`). No side effects: nothing is enqueued, synced or sent."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from accounting.models import Session
from billing.models import (
    Customer,
    DarajaSettings,
    Package,
    Payment,
    PaymentCallback,
    Subscription,
)
from radius.models import RadiusServer
from radtik.jobs.models import Job
from routers.models import IPPool, PPPProfile, PPPSecret, Router
from tenants.accounts.models import User
from tenants.models import Domain, Tenant
from vouchers.models import Voucher, VoucherBatch, VoucherProfile

_serial = count(1)


def _n() -> int:
    return next(_serial)


def radius_server() -> RadiusServer:
    n = _n()
    return RadiusServer.objects.create(
        name=f"radius-{n}", host="127.0.0.1", api_base_url="http://127.0.0.1:9", auth_token="t"
    )


def voucher_profile() -> VoucherProfile:
    return VoucherProfile.objects.create(name=f"profile-{_n()}", time_limit=3600)


def voucher_batch(*, vouchers: int = 0, profile=None, server=None) -> VoucherBatch:
    """A batch holding `vouchers` codes, a third each pending, synced and failed."""
    batch = VoucherBatch.objects.create(
        profile=profile or voucher_profile(),
        radius_server=server or radius_server(),
        count=vouchers,
    )
    statuses = ("pending", "synced", "failed")
    Voucher.objects.bulk_create(
        Voucher(
            batch=batch,
            username=f"B{batch.pk}V{i}",
            password="secret",
            radius_sync_status=statuses[i % 3],
        )
        for i in range(vouchers)
    )
    return batch


def voucher() -> Voucher:
    batch = voucher_batch()
    return Voucher.objects.create(batch=batch, username=f"V{_n()}", password="secret")


def tenant_user() -> User:
    return User.objects.create_user(username=f"user-{_n()}", password=None, role="viewer")


def router() -> Router:
    n = _n()
    return Router.objects.create(  # one router per address and port: each its own address
        name=f"r{n}",
        host=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        api_username="admin",
        api_password="admin",
    )


def session(*, server=None, router_=None, open_: bool = True, **fields) -> Session:
    """An accounting session as ingest writes it (started a minute ago; closed now if not open)."""
    n = _n()
    now = timezone.now()
    fields = {
        "radius_server": server or radius_server(),
        "radacct_id": n,
        "change": n,
        "username": f"U{n}",
        "session_id": f"s-{n}",
        "service": "hotspot",
        "router": router_,
        "mac_address": f"AA:BB:CC:00:{n // 256 % 256:02X}:{n % 256:02X}",
        "framed_ip_address": f"10.5.{n // 256 % 256}.{n % 256}",
        "started_at": now - timedelta(minutes=1),
        "updated_at": now,
        "stopped_at": None if open_ else now,
        "is_open": open_,
        "session_time": 60,
        "ingested_at": now,
        **fields,
    }
    return Session.objects.create(**fields)


def ip_pool() -> IPPool:
    return IPPool.objects.create(router=router(), name=f"pool-{_n()}", ranges="10.0.0.2-10.0.0.9")


def ppp_profile() -> PPPProfile:
    return PPPProfile.objects.create(router=router(), name=f"ppp-{_n()}")


def ppp_secret() -> PPPSecret:
    return PPPSecret.objects.create(
        router=router(), name=f"user-{_n()}", service="pppoe", password="secret"
    )


def package() -> Package:
    return Package.objects.create(name=f"Day {_n()}", price=100, validity_seconds=86400)


def customer() -> Customer:
    return Customer.objects.create(phone=f"2547{_n():08d}")


def payment(*, status: str = "pending", package_=None) -> Payment:
    return Payment.objects.create(
        package=package_ or package(), phone="254712345678", amount=100, status=status
    )


def subscription(*, package_=None) -> Subscription:
    now = timezone.now()
    return Subscription.objects.create(
        customer=customer(),
        package=package_ or package(),
        username=f"mp{_n()}",
        password="secret",
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )


def job(*, status: str = "failed") -> Job:
    return Job.objects.create(kind="test.always_fails", status=status, error="boom")


def print_job() -> Job:
    """A finished print job of a new batch, with its file written."""
    from django.db import connection

    from vouchers.printing import print_file_path

    batch = voucher_batch(vouchers=1)
    made = Job.objects.create(
        kind="vouchers.print",
        status="succeeded",
        target_type="vouchers.voucherbatch",
        target_id=str(batch.pk),
    )
    path = print_file_path(connection.schema_name, made.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<p>sheet</p>", encoding="utf-8")
    return made


def payment_callback(*, outcome: str = "unknown") -> PaymentCallback:
    return PaymentCallback.objects.create(body="{}", outcome=outcome)


def tenant() -> Tenant:
    """A tenant row and its domain, without a schema (public schema only)."""
    n = _n()
    made = Tenant.objects.create(name=f"Tenant {n}", slug=f"t{n}", schema_name=f"t{n}")
    Domain.objects.create(domain=f"t{n}.localhost", tenant=made, is_primary=True)
    return made


def daraja_settings() -> DarajaSettings:
    return DarajaSettings.objects.create(
        shortcode="174379", passkey="p", consumer_key="k", consumer_secret="s"
    )
