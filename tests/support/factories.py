"""Rows for list and isolation tests, written straight to the current schema (call them inside
`schema_context`). No side effects: nothing is enqueued, synced or sent."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

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


def router() -> Router:
    n = _n()
    return Router.objects.create(
        name=f"r{n}", host="192.0.2.1", api_username="admin", api_password="admin"
    )


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
