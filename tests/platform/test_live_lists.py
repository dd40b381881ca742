"""Lists the README calls live, in a real browser: a change made in another process (this test's,
not the server's: the event crosses Redis) shows on the open page without a reload, and the page
asks nothing while idle."""

from django_tenants.utils import schema_context

from billing.events import payment_publish
from radtik.jobs.services import job_enqueue, job_publish
from routers.tasks import ImportFromRouter
from tenants import services as tenant_services
from tests.support import factories
from tests.support.browser import live, requests_while_idle, wait_for_text
from tests.support.jobkinds import Progress
from tests.support.waiting import wait_for
from vouchers.services import batch_create

IDLE_SECONDS = 5


def test_vouchers_list_shows_a_batch_created_elsewhere(tenant_page):
    with schema_context("alpha"):
        profile, server = factories.voucher_profile(), factories.radius_server()
    page = tenant_page("alpha", role="viewer")
    page.goto("/vouchers/")
    live(page)
    assert page.is_visible("text=No batches yet.")
    with schema_context("alpha"):
        made = batch_create(profile=profile, radius_server=server, count=7)
    row = f"#batch-{made.batch.pk}-row"
    wait_for_text(page, row, server.name)
    assert "7" in page.inner_text(row) and not page.is_visible("text=No batches yet.")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_router_page_shows_a_job_started_after_it_loaded(tenant_page):
    with schema_context("alpha"):
        router = factories.router()
        router.status = "online"
        router.save(update_fields=["status"])
    page = tenant_page("alpha", role="viewer")
    page.goto(f"/routers/{router.pk}/")
    live(page)
    assert page.is_visible("text=Nothing imported yet.")
    with schema_context("alpha"):
        # Due in an hour: the progress below is this test's to publish (the suite's cluster,
        # when running, would fail the import at once: the router's address answers nothing).
        job = job_enqueue(
            kind=ImportFromRouter,
            target=router,
            params={"router_id": router.pk, "what": "pools"},
            delay=3600,
        )
    wait_for_text(page, "main", f"#{job.pk}")
    assert page.is_visible(f"#job-{job.pk}-status")
    with schema_context("alpha"):  # and follows it from then on
        job.stage, job.progress = "pools", 40
        job.save()
        job_publish(job, "job.progress", line="read 4 pools")
    wait_for_text(page, f"#job-{job.pk}-log", "read 4 pools")
    assert "40%" in page.inner_text(f"#job-{job.pk}-status")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_jobs_list_renders_rows_from_events(tenant_page):
    page = tenant_page("alpha", role="viewer")
    page.goto("/jobs/")
    live(page)
    with schema_context("alpha"):
        job = job_enqueue(kind=Progress, foreground=True)
    row = f"#job-{job.pk}-row"
    wait_for_text(page, row, "test.progress")
    with schema_context("alpha"):
        job.status, job.progress = "running", 60
        job.save()
        job_publish(job, "job.progress")
    wait_for_text(page, row, "60%")
    assert "running" in page.inner_text(row)
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_system_home_shows_tenants_created_and_suspended(tenant_page):
    with schema_context("public"):
        ready = factories.tenant()
        ready.status = "active"
        ready.save(update_fields=["status"])
    page = tenant_page("public")
    page.goto("/")
    live(page)
    with schema_context("public"):
        made = tenant_services.tenant_create(name="Gamma Net", slug="gammalive")
    wait_for_text(page, f"#tenant-{made.tenant.pk}-row", "Gamma Net")
    # Made from a waiting spare, the tenant may already be active when its row arrives.
    shown = page.inner_text(f"#tenant-{made.tenant.pk}-row")
    assert "provisioning" in shown or "active" in shown, shown
    with schema_context("public"):
        tenant_services.tenant_set_status(tenant=ready, status="suspended")
    wait_for_text(page, f"#tenant-{ready.pk}-row", "suspended")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_payments_list_drops_its_empty_line_under_live_rows(tenant_page):
    page = tenant_page("alpha", role="viewer")
    page.goto("/billing/payments/")
    live(page)
    assert page.is_visible("text=No payments yet.")
    with schema_context("alpha"):
        payment = factories.payment()
        payment_publish(payment, "payment.initiated")
    wait_for_text(page, f"#payment-{payment.pk}", payment.package.name)
    assert not page.is_visible("text=No payments yet.")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_a_change_made_before_the_page_was_listening_is_shown_all_the_same(tenant_page):
    """The page is rendered, a batch is created while its websocket is still connecting (the
    event reaches nobody), then the socket connects: the page catches up with one request."""
    with schema_context("alpha"):
        profile, server = factories.voucher_profile(), factories.radius_server()
    page = tenant_page("alpha", role="viewer")
    held = []
    page.route_web_socket("**/ws/**", lambda socket: held.append(socket))  # it waits here
    page.goto("/vouchers/")
    wait_for(lambda: held or page.wait_for_timeout(100), timeout=30, what="the page's socket")
    assert page.is_visible("text=No batches yet.")
    with schema_context("alpha"):
        made = batch_create(profile=profile, radius_server=server, count=7)
    held[0].connect_to_server()  # (Playwright's socket stands in for the one live() watches)
    wait_for_text(page, f"#batch-{made.batch.pk}-row", server.name)
    assert not page.is_visible("text=No batches yet.")
    assert requests_while_idle(page, IDLE_SECONDS) == []
