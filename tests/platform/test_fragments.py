"""Events carry data; the HTML of htmx pages is rendered at the edge, once per message."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from radtik.jobs.services import job_enqueue, job_publish
from radtik.realtime.fragments import fragment_html, fragment_render, fragment_renderer
from radtik.tenancy import tenant_id_for_schema
from tests.support.jobkinds import Progress

ROOT = Path(__file__).resolve().parents[2]
APPS = ("routers", "provisioning", "billing", "radius", "vouchers", "tenants", "radtik")
RENDERING = {"render_to_string", "get_template", "select_template", "render", "format_html"}


def names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    return imported | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_services_and_publishers_render_no_template():
    """Neither a services module nor a module that publishes events (its writes run in
    transactions) renders HTML."""
    checked, wrong = 0, []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            used = names_used(path)
            if path.name != "services.py" and "publish" not in used:
                continue
            checked += 1
            if used & RENDERING or "django.template.loader" in used:
                wrong.append(str(path.relative_to(ROOT)))
    assert checked > 5 and wrong == []


@pytest.mark.django_db
def test_a_job_event_is_data_and_its_fragment_is_the_page_s(
    tenants, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    with schema_context("alpha"):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_enqueue(kind=Progress, foreground=True)
        group = f"tenant.{tenant_id_for_schema('alpha')}.job.{job.pk}"
        async_to_sync(layer.group_add)(group, channel)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                job.stage, job.progress = "copying", 40
                job_publish(job, "job.progress", line="copied 4 of 10 to jane@example.com")
            message = async_to_sync(layer.receive)(channel)
        finally:
            async_to_sync(layer.group_discard)(group, channel)
    assert "html" not in message and message["payload"]["progress"] == 40
    html = fragment_render(message)
    assert f'id="job-{job.pk}-status"' in html and "stage <code>copying</code> · 40%" in html
    assert f'id="job-{job.pk}-log"' in html and "copied 4 of 10 to j***@example.com" in html


def test_each_message_is_rendered_once_per_process_for_all_its_subscribers():
    rendered = []

    @fragment_renderer("test.rendered_once")
    def count(event):
        rendered.append(event.payload["n"])
        return f"<p>{event.payload['n']}</p>"

    def message(key: str, n: int) -> dict:
        return {"id": key, "topic": "unit", "event": "test.rendered_once", "payload": {"n": n}}

    async def subscribers():
        first = await asyncio.gather(*(fragment_html(message("m-1", 1)) for _ in range(20)))
        second = await fragment_html(message("m-2", 2))
        return first, second

    first, second = asyncio.run(subscribers())
    assert first == ["<p>1</p>"] * 20 and second == "<p>2</p>"
    assert rendered == [1, 2]


def test_a_failing_renderer_costs_the_page_one_update_not_its_socket():
    @fragment_renderer("test.broken")
    def broken(event):
        raise KeyError("payload changed shape")

    message = {"id": "b-1", "topic": "unit", "event": "test.broken", "payload": {}}
    assert asyncio.run(fragment_html(message)) == ""
    unknown = {"id": "u-1", "topic": "unit", "event": "test.nobody_renders", "payload": {}}
    assert asyncio.run(fragment_html(unknown)) == ""


def test_an_event_s_own_renderer_comes_before_its_topic_s():
    fragment_renderer(topics=("test-topic.*",))(lambda event: "by topic")
    fragment_renderer("test.special")(lambda event: "by event")

    def message(event: str) -> dict:
        return {"topic": "test-topic.7", "event": event, "payload": {}}

    assert fragment_render(message("test.anything")) == "by topic"
    assert fragment_render(message("test.special")) == "by event"


def test_an_event_has_one_renderer():
    fragment_renderer("test.once")(lambda event: "")
    with pytest.raises(ValueError, match="already has a fragment renderer"):
        fragment_renderer("test.once")(lambda event: "x")
