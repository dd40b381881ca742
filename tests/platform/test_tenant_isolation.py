"""Tenant beta cannot list, read, change or delete tenant alpha's objects: the same tests
(tests/support/isolation.py) for every tenant API resource and page that names an object, and a
walk of the URLs that fails when one has no case."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver

from accounting.models import Session
from billing.choices import CallbackOutcome
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
from tests.support import factories
from tests.support.isolation import (
    ApiIsolation,
    ChangeIsolation,
    Isolation,
    ListIsolation,
    ReadIsolation,
    TenantIsolation,
)
from vouchers.models import Voucher, VoucherBatch, VoucherProfile

pytestmark = pytest.mark.django_db


class TestJobIsolation(ApiIsolation, ChangeIsolation):
    model, make = Job, staticmethod(factories.job)
    api = "/api/jobs/"
    pages = ("/jobs/{obj.pk}/",)
    writes = (
        ("post", "/api/jobs/{obj.pk}/retry/", {}),
        ("post", "/api/jobs/{obj.pk}/cancel/", {}),
        ("post", "/jobs/{obj.pk}/retry/", {}),
    )


class TestVoucherProfileIsolation(TenantIsolation):
    model, make = VoucherProfile, staticmethod(factories.voucher_profile)
    api = "/api/voucher-profiles/"
    pages = ("/vouchers/profiles/{obj.pk}/",)
    writes = (
        ("patch", "/api/voucher-profiles/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/vouchers/profiles/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/vouchers/profiles/{obj.pk}/delete/", {}),
    )


class TestVoucherBatchIsolation(TenantIsolation):
    model = VoucherBatch
    make = staticmethod(lambda: factories.voucher_batch(vouchers=3))
    api = "/api/voucher-batches/"
    pages = ("/vouchers/batches/{obj.pk}/", "/vouchers/batches/{obj.pk}/sheet/")
    writes = (
        ("post", "/api/voucher-batches/{obj.pk}/retry-failed/", {}),
        ("post", "/api/voucher-batches/{obj.pk}/disable/", {}),
        ("post", "/api/voucher-batches/{obj.pk}/print/", {"layout": "a4"}),
        ("post", "/vouchers/batches/{obj.pk}/retry-failed/", {}),
        ("post", "/vouchers/batches/{obj.pk}/disable/", {}),
        ("post", "/vouchers/batches/{obj.pk}/delete/", {}),
        ("post", "/vouchers/batches/{obj.pk}/selection/", {"action": "disable"}),
        ("post", "/vouchers/batches/{obj.pk}/print/", {"layout": "a4"}),
    )


class TestVoucherPrintFileIsolation(ReadIsolation):
    """A print job's file is served on its own tenant's domain only."""

    model, make = Job, staticmethod(factories.print_job)
    pages = ("/vouchers/batches/{obj.target_id}/print-files/{obj.pk}/",)


class TestVoucherIsolation(ApiIsolation, ChangeIsolation):
    model, make = Voucher, staticmethod(factories.voucher)
    api = "/api/vouchers/"
    writes = (
        ("post", "/api/vouchers/{obj.pk}/disable/", {}),
        ("post", "/vouchers/{obj.pk}/disable/", {}),
        ("post", "/vouchers/{obj.pk}/delete/", {}),
    )


class TestRouterIsolation(TenantIsolation):
    model, make = Router, staticmethod(factories.router)
    api = "/api/routers/"
    pages = ("/routers/{obj.pk}/",)
    reads = (
        "/api/routers/{obj.pk}/interfaces/",
        "/api/routers/{obj.pk}/configs/",
        "/api/routers/{obj.pk}/provisioning-status/",
        "/api/routers/{obj.pk}/secrets-to-radius/",
        "/api/routers/{obj.pk}/samples/",
    )
    writes = (
        ("patch", "/api/routers/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/routers/{obj.pk}/edit/", {"name": "taken-over"}),
        ("post", "/routers/{obj.pk}/delete/", {}),
        ("post", "/api/routers/{obj.pk}/rotate-token/", {}),
        ("post", "/api/routers/{obj.pk}/verify-connectivity/", {}),
        ("post", "/api/routers/{obj.pk}/import/", {"what": "pools"}),
        ("post", "/api/routers/{obj.pk}/secrets-to-radius/", {}),
        ("post", "/api/routers/{obj.pk}/interfaces/", {}),
        ("post", "/api/routers/{obj.pk}/generate-service-config/", {}),
        ("post", "/api/routers/{obj.pk}/deploy-service-config/", {}),
        ("post", "/routers/{obj.pk}/rotate-token/", {}),
        ("post", "/routers/{obj.pk}/probe/", {}),
        ("post", "/routers/{obj.pk}/import/", {"what": "pools"}),
        ("post", "/routers/{obj.pk}/discover/", {}),
        ("post", "/routers/{obj.pk}/service-config/", {}),
        ("post", "/routers/{obj.pk}/deploy/", {}),
        ("post", "/api/routers/{obj.pk}/repair-drift/", {}),
        ("post", "/routers/{obj.pk}/repair-drift/", {}),
    )


class TestUserIsolation(ApiIsolation, ChangeIsolation):
    model, make = User, staticmethod(factories.tenant_user)
    api = "/api/users/"
    pages = ("/users/{obj.pk}/",)
    writes = (
        ("patch", "/api/users/{obj.pk}/", {"role": "admin"}),
        ("post", "/api/users/{obj.pk}/reset-password/", {}),
        ("post", "/users/{obj.pk}/role/", {"role": "admin"}),
        ("post", "/users/{obj.pk}/active/", {"active": "0"}),
        ("post", "/users/{obj.pk}/password/", {}),
    )


class TestRadiusServerIsolation(TenantIsolation):
    model, make = RadiusServer, staticmethod(factories.radius_server)
    api = "/api/radius-servers/"
    pages = ("/radius/{obj.pk}/",)
    writes = (
        ("patch", "/api/radius-servers/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/api/radius-servers/{obj.pk}/test/", {}),
        ("post", "/radius/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/radius/{obj.pk}/test/", {}),
        ("post", "/radius/{obj.pk}/delete/", {}),
    )


class TestIPPoolIsolation(ApiIsolation):
    model, make = IPPool, staticmethod(factories.ip_pool)
    api = "/api/ip-pools/"


class TestPPPProfileIsolation(ApiIsolation):
    model, make = PPPProfile, staticmethod(factories.ppp_profile)
    api = "/api/ppp-profiles/"


class TestPPPSecretIsolation(ApiIsolation):
    model, make = PPPSecret, staticmethod(factories.ppp_secret)
    api = "/api/ppp-secrets/"


class TestPackageIsolation(TenantIsolation):
    model, make = Package, staticmethod(factories.package)
    api = "/api/packages/"
    pages = ("/billing/packages/{obj.pk}/",)
    writes = (
        ("patch", "/api/packages/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/billing/packages/{obj.pk}/", {"name": "taken-over"}),
        ("post", "/billing/packages/{obj.pk}/delete/", {}),
    )


class TestPaymentIsolation(ApiIsolation):
    model, make = Payment, staticmethod(factories.payment)
    api = "/api/payments/"
    # Public, by the payment's unguessable token: still only on its own tenant's domain.
    reads = ("/api/payments/status/{obj.token}/",)
    pages = ("/portal/p/{obj.token}/",)


class TestPaymentCallbackIsolation(ApiIsolation, ChangeIsolation):
    model = PaymentCallback
    make = staticmethod(lambda: factories.payment_callback(outcome=CallbackOutcome.QUARANTINED))
    api = "/api/payments/callbacks/"
    writes = (
        ("post", "/api/payments/callbacks/{obj.pk}/retry/", {}),
        # The page answers "no such callback" on the callbacks page.
        ("post", "/billing/callbacks/{obj.pk}/retry/", {}, 302),
    )


class TestCustomerIsolation(ApiIsolation):
    model, make = Customer, staticmethod(factories.customer)
    api = "/api/customers/"


class TestSubscriptionIsolation(ApiIsolation):
    model, make = Subscription, staticmethod(factories.subscription)
    api = "/api/subscriptions/"


class TestSessionIsolation(ApiIsolation, ChangeIsolation):
    """Beta can't end alpha's session: its kick answers 404."""

    model, make = Session, staticmethod(factories.session)
    api = "/api/sessions/"
    writes = (
        ("post", "/api/sessions/{obj.pk}/kick/", {}),
        ("post", "/sessions/{obj.pk}/kick/", {}),
    )


class TestDarajaCallbackIsolation(ChangeIsolation):
    """Alpha's callback secret does not open beta's callback URL."""

    model, make = DarajaSettings, staticmethod(factories.daraja_settings)
    writes = (("post", "/api/payments/mpesa/callback/{obj.callback_secret}/", {}),)


CASES = [
    case
    for name, case in list(globals().items())
    if name.startswith("Test") and isinstance(case, type) and issubclass(case, Isolation)
]


def _normal(path: str) -> str:
    """One spelling for a route and a case's path: parameters as <>, no slashes around."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)|<[\w:]+>|\{obj\.\w+\}", "<>", path)
    return path.strip("^$/").replace("/$", "").replace("^", "")


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_that_names_a_tenant_object_has_an_isolation_case():
    from radtik import urls_tenant

    covered = set()
    for case in CASES:
        detail = [f"{case.api}{{obj.pk}}/"] if case.api else []
        paths = [*detail, *case.pages, *case.reads, *(write[1] for write in case.writes)]
        covered |= {_normal(path) for path in paths}
    named = {
        _normal(route)
        for route in _routes(urls_tenant.urlpatterns)
        if not route.startswith("admin/") and re.search(r"<|\(\?P", route)
    }
    assert named - covered == set(), "add them to a case in tests/platform/test_tenant_isolation.py"


def test_every_api_resource_is_listed_read_written_and_deleted_by_its_case():
    from radtik import urls_tenant

    for prefix, viewset, _ in urls_tenant.router.registry:
        api = f"/api/{prefix}/"
        cases = [case for case in CASES if case.api == api]
        assert cases, f"{api} has no isolation case"
        kinds = {base for case in cases for base in case.__mro__}
        if hasattr(viewset, "list"):
            assert ListIsolation in kinds, f"{api}: no list test"
        if hasattr(viewset, "retrieve"):
            assert ReadIsolation in kinds, f"{api}: no read test"
        if hasattr(viewset, "destroy"):
            assert TenantIsolation in kinds, f"{api}: no delete test"
        reads = {path for case in cases for path in case.reads}
        writes = {(write[0], write[1]) for case in cases for write in case.writes}
        for action in viewset.get_extra_actions():
            if not action.detail:
                continue
            path = f"{api}{{obj.pk}}/{action.url_path}/"
            for method in action.mapping:
                if method == "get":
                    assert path in reads, f"GET {path}: no read test"
                else:
                    assert (method, path) in writes, f"{method.upper()} {path}: no write test"


def test_every_tenant_model_has_its_table_in_each_tenant_schema():
    """A model whose app left TENANT_APPS would keep its table in public only, where every
    tenant's reads and writes would meet."""
    tenant_apps = [
        config
        for config in apps.get_app_configs()
        if {config.name, f"{type(config).__module__}.{type(config).__name__}"}
        & set(settings.TENANT_APPS)
    ]
    tables = {
        model._meta.db_table
        for config in tenant_apps
        for model in config.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    with connection.cursor() as cursor:
        for schema in ("alpha", "beta"):
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema],
            )
            assert tables - {row[0] for row in cursor.fetchall()} == set(), schema
