"""Lists: every row reachable by pagination, one FilterSet for page and API, bad filters a clear
400, and a page's query count independent of its rows."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from radtik.lists import PAGE_SIZE
from tenants.middleware import tenant_cache_clear
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "lister", role="admin"))


@pytest.fixture
def platform(make_user, tenant_client):
    root = make_user("public", "root", is_staff=True, is_superuser=True)
    return tenant_client("public", root)


def _next_link(path: str, page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return urljoin(path, html.unescape(found.group(1))) if found else None


def test_the_api_reaches_the_last_of_5000_vouchers_page_by_page(alpha):
    with schema_context("alpha"):
        batch = factories.voucher_batch(vouchers=5000)
        other = factories.voucher_batch(vouchers=3)
    url, seen, pages = f"/api/vouchers/?batch={batch.pk}&limit=100000", [], 0
    while url:
        body = alpha.get(url).json()
        assert len(body["results"]) <= 500, "a client never gets more than the cap at once"
        seen += [v["username"] for v in body["results"]]
        pages += 1
        url = body["next"] and (lambda u: f"{u.path}?{u.query}")(urlsplit(body["next"]))
    assert pages == 10 and body["count"] == 5000
    assert len(set(seen)) == 5000 and f"B{batch.pk}V4999" in seen
    assert not any(name.startswith(f"B{other.pk}V") for name in seen)


def test_the_batch_page_reaches_the_oldest_batch_by_its_next_link(alpha):
    with schema_context("alpha"):
        profile, server = factories.voucher_profile(), factories.radius_server()
        oldest = factories.voucher_batch(vouchers=3, profile=profile, server=server)
        for _ in range(PAGE_SIZE):
            factories.voucher_batch(profile=profile, server=server)
    link = f'href="/vouchers/batches/{oldest.pk}/"'
    first = alpha.get("/vouchers/").content.decode()
    assert link not in first and "page 1 of 2" in first
    second = alpha.get(_next_link("/vouchers/", first)).content.decode()
    assert link in second and _next_link("/vouchers/", second) is None
    # The oldest batch's counts come from the page's one query: a third of 3 each.
    assert re.search(rf"{link}>{oldest.pk}</a>.*?<td>1</td><td>1</td><td>1</td>", second, re.S)


def test_a_filter_narrows_the_page_and_the_api_alike(alpha):
    with schema_context("alpha"):
        day, week = factories.package(), factories.package()
        failed = {factories.payment(status="failed", package_=day).pk for _ in range(3)}
        failed_week = factories.payment(status="failed", package_=week).pk
        for _ in range(4):
            factories.payment(status="completed", package_=day)
    for query, expected in (
        ("status=failed", failed | {failed_week}),
        (f"status=failed&package={week.pk}", {failed_week}),
    ):
        page = alpha.get(f"/billing/payments/?{query}").content.decode()
        on_page = {int(pk) for pk in re.findall(r'<tr id="payment-(\d+)"', page)}
        in_api = {p["id"] for p in alpha.get(f"/api/payments/?{query}").json()["results"]}
        assert on_page == in_api == expected


@pytest.mark.parametrize(
    "path, field, message",
    [
        ("/billing/payments/?status=paid", "status", "Select a valid choice"),
        ("/vouchers/?profile=nope", "profile", "Select a valid choice"),
        ("/jobs/?status=done", "status", "Select a valid choice"),
        ("/routers/?radius_server=999999", "radius_server", "Select a valid choice"),
        ("/billing/subscriptions/?package=x", "package", "Select a valid choice"),
    ],
)
def test_a_bad_filter_is_a_400_with_its_message_on_page_and_api(alpha, path, field, message):
    page = alpha.get(path)
    assert page.status_code == 400 and message in page.content.decode()
    api_path = {
        "/billing/payments/": "/api/payments/",
        "/vouchers/": "/api/voucher-batches/",
        "/jobs/": "/api/jobs/",
        "/routers/": "/api/routers/",
        "/billing/subscriptions/": "/api/subscriptions/",
    }[path.split("?")[0]]
    api = alpha.get(f"{api_path}?{path.split('?')[1]}")
    assert api.status_code == 400 and message in api.json()[field][0]


def test_a_bad_voucher_batch_id_is_a_400_and_a_bad_page_number_the_first_page(alpha):
    assert alpha.get("/api/vouchers/?batch=abc").json() == {"batch": ["Enter a number."]}
    assert alpha.get("/jobs/?page=abc").status_code == 200
    assert alpha.get("/jobs/?page=99999").status_code == 200


def test_the_tenant_list_filters_on_the_platform_page_and_api(platform):
    with schema_context("public"):
        made = factories.tenant()
    assert made.slug in platform.get(f"/?slug={made.slug}").content.decode()
    listed = platform.get(f"/api/tenants/?slug={made.slug}").json()["results"]
    assert [t["slug"] for t in listed] == [made.slug]
    assert platform.get("/api/tenants/?status=gone").status_code == 400


def test_the_schema_documents_each_lists_filters(platform, alpha):
    paths = alpha.get("/api/schema/?format=json").json()["paths"]
    params = {p["name"]: p for p in paths["/api/payments/"]["get"]["parameters"]}
    assert {"status", "resolved_via", "package", "phone", "limit", "offset"} <= set(params)
    assert "completed" in params["status"]["schema"]["enum"]
    tenants = platform.get("/api/schema/?format=json").json()["paths"]["/api/tenants/"]
    assert "status" in {p["name"] for p in tenants["get"]["parameters"]}


LISTS = [
    ("alpha", ["/vouchers/", "/api/voucher-batches/"], lambda: factories.voucher_batch(vouchers=3)),
    ("alpha", ["/api/vouchers/"], factories.voucher),
    ("alpha", ["/api/voucher-profiles/"], factories.voucher_profile),
    ("alpha", ["/billing/payments/", "/api/payments/"], factories.payment),
    ("alpha", ["/billing/subscriptions/", "/api/subscriptions/"], factories.subscription),
    ("alpha", ["/billing/customers/", "/api/customers/"], factories.customer),
    ("alpha", ["/billing/callbacks/", "/api/payments/callbacks/"], factories.payment_callback),
    ("alpha", ["/api/packages/"], factories.package),
    ("alpha", ["/jobs/", "/api/jobs/"], factories.job),
    ("alpha", ["/routers/", "/api/routers/"], factories.router),
    ("alpha", ["/sessions/", "/sessions/online/", "/api/sessions/"], factories.session),
    ("alpha", ["/api/ip-pools/", "/api/ppp-profiles/", "/api/ppp-secrets/"], None),
    ("public", ["/", "/api/tenants/"], factories.tenant),
]


@pytest.mark.parametrize("schema, paths, make", LISTS, ids=[paths[0] for _, paths, _ in LISTS])
def test_a_lists_query_count_does_not_grow_with_its_rows(alpha, platform, schema, paths, make):
    client = platform if schema == "public" else alpha

    def add(rows: int) -> None:
        with schema_context(schema):
            for _ in range(rows):
                if make is None:
                    factories.ip_pool(), factories.ppp_profile(), factories.ppp_secret()
                else:
                    make()

    def queries(path: str) -> int:
        client.get(path)  # warm: sessions, caches
        tenant_cache_clear()  # its entries expire by the clock: always look the tenant up
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    add(2)
    few = {path: queries(path) for path in paths}
    add(20)
    assert {path: queries(path) for path in paths} == few


@pytest.mark.parametrize(
    "query",
    [
        "started_before=0158-02-13T09:59:50%2B16:51",  # an offset PostgreSQL refuses
        "started_after=2026-01-01T00:00:00-23:59",
        "started_after=0001-01-01T00:00:00%2B01:00",  # before year 1 once in UTC
    ],
)
def test_a_time_filter_with_any_offset_answers_without_a_500(make_user, tenant_client, query):
    client = tenant_client("alpha", make_user("alpha", "watcher"))
    response = client.get(f"/api/sessions/?{query}")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert "between the years 1 and 9999" in str(response.json())
