"""The browser harness itself, as every page test uses it: log in through the form, a page fed
over its websocket changes without a reload, makes no requests while idle, and fits a phone."""

import pytest
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.services import job_publish
from tests.support.browser import live, overflows, requests_while_idle, wait_for_text


def test_a_job_page_follows_its_job_without_polling(tenant_page):
    with schema_context("alpha"):
        job = Job.objects.create(kind="test.progress", status="running")
    page = tenant_page("alpha", role="viewer")
    page.goto(f"/jobs/{job.pk}/")
    live(page)
    assert "copied 3 of 9" not in page.inner_text("main")

    with schema_context("alpha"):  # this process is not the server's: the event crosses Redis
        job.stage, job.progress = "copying", 30
        job.save()
        job_publish(job, "job.progress", line="copied 3 of 9")
    wait_for_text(page, f"#job-{job.pk}-log", "copied 3 of 9")
    assert "30%" in page.inner_text(f"#job-{job.pk}-status")
    assert requests_while_idle(page, 5) == []


@pytest.mark.parametrize("width", [390, 1366])
def test_settings_page_fits_the_screen(tenant_page, width):
    page = tenant_page("alpha", role="admin", width=width, height=844)
    page.goto("/settings/")
    assert "Africa/Nairobi" in page.input_value("#id_time_zone")
    assert overflows(page) <= 0
