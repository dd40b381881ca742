"""Every operation of the tenant API and the platform API, fuzzed from its OpenAPI schema.

Schemathesis generates requests (valid and invalid) from the schema drf-spectacular serves and
sends them to the WSGI app in this process, as a tenant admin and as a viewer (on the base
domain: a system admin and a user who is not one). Every answer must be below 500 and, where the
schema documents its status, match the documented body and content type.

The fuzzer writes in a tenant of its own ("fuzz", dropped afterwards); on the base domain it may
create tenants (dropped afterwards, their creation jobs cancelled before a worker takes them) and
change the status of the fuzz tenant only, never of the session's tenants other tests rely on.
Bounded: a few examples per operation, so the whole run fits the suite's time.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import TENANTS

FUZZ = "fuzz"
# Per operation; RADTIK_FUZZ_EXAMPLES=200 for a deeper search than the suite has time for, which
# also runs schemathesis's coverage phase (every boundary value of every field: several minutes).
DEEP = "RADTIK_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("RADTIK_FUZZ_EXAMPLES", "8"))
pytestmark = pytest.mark.timeout(0 if DEEP else 300)  # a deep run takes what it takes
ROLES = ("admin", "viewer")  # on the base domain: a system admin, a user who is not one
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _spec(urlconf: str) -> dict[str, Any]:
    """The schema /api/schema/ serves on that domain (radtik.urls_common.SchemaView)."""
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


def _loaded(urlconf: str) -> Any:
    schema = schemathesis.openapi.from_dict(_spec(urlconf))
    schema.app = WSGIHandler()
    return schema


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """The fuzz tenant with a row of each kind (so ids the fuzzer picks can exist), and an
    admin and a viewer there and on the base domain, each with an API token."""
    from knox.models import AuthToken

    from tenants.accounts.models import User
    from tenants.choices import TenantStatus
    from tenants.models import Domain, Tenant
    from tests.support import factories
    from tests.support.cleanup import truncate_test_data

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant = Tenant.objects.create(
            name="Fuzz", slug=FUZZ, schema_name=FUZZ, status=TenantStatus.ACTIVE
        )
        tenant.create_schema(check_if_exists=True, verbosity=0)
        connection.set_schema_to_public()
        Domain.objects.create(domain=f"{FUZZ}.localhost", tenant=tenant, is_primary=True)
        tokens: dict[str, str] = {}
        with schema_context(FUZZ):
            for role in ("admin", "viewer"):
                user = User.objects.create_user(username=f"fuzz-{role}", password="x", role=role)
                tokens[f"tenant-{role}"] = AuthToken.objects.create(user=user)[1]
            batch = factories.voucher_batch(vouchers=3)
            factories.router()
            factories.ip_pool()
            factories.ppp_profile()
            factories.ppp_secret()
            package = factories.package()
            factories.payment(package_=package)
            factories.subscription(package_=package)
            factories.payment_callback()
            factories.job()
            assert batch.pk
        admin = User.objects.create_user(
            username="fuzz-root", password="x", is_staff=True, is_superuser=True
        )
        tokens["platform-admin"] = AuthToken.objects.create(user=admin)[1]
        nobody = User.objects.create_user(username="fuzz-nobody", password="x")
        tokens["platform-viewer"] = AuthToken.objects.create(user=nobody)[1]
        yield {"tokens": tokens, "tenant_id": tenant.pk}
        truncate_test_data(keep_tenants=set(TENANTS))


def _stop_background(schema: str) -> None:
    """What the fuzzer queued never runs: a worker of this session would probe fuzzed router
    addresses or build fuzzed tenants' schemas."""
    from radtik.jobs.choices import JobStatus
    from radtik.jobs.models import Job

    with schema_context(schema):
        Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
            status=JobStatus.CANCELLED
        )


tenant_api = schemathesis.pytest.from_fixture("tenant_schema")
platform_api = schemathesis.pytest.from_fixture("platform_schema")


@pytest.fixture(scope="module")
def tenant_schema(fuzz_world):
    return _loaded("radtik.urls_tenant")


@pytest.fixture(scope="module")
def platform_schema(fuzz_world):
    return _loaded("radtik.urls_public")


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure here reproduces
    phases=[Phase.explicit, Phase.generate] if DEEP else [Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)


@tenant_api.parametrize()
@FUZZ_SETTINGS
def test_tenant_api_never_errors(case, fuzz_world, django_db_blocker):
    if _as_int((case.path_parameters or {}).get("id")) is not None:
        case.path_parameters["id"] = 1  # the row of its kind made above, while it lasts
    for role in ROLES:
        _send(case, fuzz_world["tokens"][f"tenant-{role}"], FUZZ, django_db_blocker)


@platform_api.parametrize()
@FUZZ_SETTINGS
def test_platform_api_never_errors(case, fuzz_world, django_db_blocker):
    if "id" in (case.path_parameters or {}) and case.path.startswith("/api/tenants/"):
        # Never the session's tenants (or the platform's own row): the fuzz tenant.
        if _as_int(case.path_parameters["id"]) is not None:
            case.path_parameters["id"] = fuzz_world["tenant_id"]
    for role in ROLES:
        _send(case, fuzz_world["tokens"][f"platform-{role}"], "public", django_db_blocker)


def _send(case, token: str, schema: str, django_db_blocker) -> None:
    """The case as one user on that schema's domain, checked; what it queued is cancelled."""
    host = "localhost" if schema == "public" else f"{schema}.localhost"
    with django_db_blocker.unblock():
        try:
            response = case.call(
                base_url=f"http://{host}", headers={"Authorization": f"Token {token}"}
            )
            case.validate_response(response, checks=CHECKS)
        finally:
            _stop_background(schema)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
