"""The kick's entry points: the API (202 + job, the OpenAPI schema, bad input, roles, tenants),
the online page's button and the row pushed to it. The job itself runs end to end in
test_enforcement.py."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from accounting.choices import SESSIONS_TOPIC
from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job
from radtik.realtime.fragments import fragment_render
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="operator"))


@pytest.fixture
def online():
    with schema_context("alpha"):
        server = factories.radius_server()
        router = factories.router()
        return {
            "alice": factories.session(server=server, router_=router, username="alice"),
            "alice2": factories.session(server=server, router_=router, username="alice"),
            "dave": factories.session(server=server, router_=router, username="dave", open_=False),
        }


def kicks() -> list[Job]:
    with schema_context("alpha"):
        return list(Job.objects.filter(kind="accounting.disconnect").order_by("id"))


def test_the_api_queues_one_job_per_kick_of_a_session_or_of_a_user(operator, online):
    alice = online["alice"]
    answer = operator.post(f"/api/sessions/{alice.pk}/kick/")
    assert answer.status_code == 202, answer.content
    (job,) = kicks()
    assert answer.json()["job"]["id"] == job.pk and job.params["sessions"] == [alice.pk]
    answer = operator.post("/api/sessions/kick/", {"username": "alice"}, "application/json")
    assert answer.status_code == 202, answer.content
    assert kicks()[-1].params["sessions"] == sorted([alice.pk, online["alice2"].pk])
    with schema_context("alpha"):
        assert AuditEntry.objects.filter(action="session.kick").count() == 2


@pytest.mark.parametrize(
    ("path", "body", "status", "said"),
    [
        ("/api/sessions/999999/kick/", None, 404, ""),
        ("/api/sessions/abc/kick/", None, 404, ""),
        ("/api/sessions/kick/", {}, 400, "username"),
        ("/api/sessions/kick/", {"username": "nobody"}, 400, "no open session"),
    ],
)
def test_bad_kicks_are_4xx_with_a_message(operator, online, path, body, status, said):
    answer = operator.post(path, body or {}, "application/json")
    assert answer.status_code == status
    assert said in answer.content.decode()
    assert kicks() == []


def test_an_ended_session_is_refused(operator, online):
    answer = operator.post(f"/api/sessions/{online['dave'].pk}/kick/")
    assert answer.status_code == 400 and "has ended" in answer.json()["detail"]


def test_a_viewer_cannot_kick_and_another_account_cannot_see(online, make_user, tenant_client):
    viewer = tenant_client("alpha", make_user("alpha", "watcher", role="viewer"))
    pk = online["alice"].pk
    assert viewer.post(f"/api/sessions/{pk}/kick/").status_code == 403
    assert viewer.post(f"/sessions/{pk}/kick/").status_code == 403
    stranger = tenant_client("beta", make_user("beta", "ops-b", role="operator"))
    assert stranger.post(f"/api/sessions/{pk}/kick/").status_code == 404
    assert stranger.post(f"/sessions/{pk}/kick/").status_code == 404
    assert kicks() == []


def test_the_online_page_s_button_kicks_and_says_so(operator, online):
    pk = online["alice"].pk
    page = operator.get("/sessions/online/").content.decode()
    assert f'action="/sessions/{pk}/kick/"' in page
    answer = operator.post(f"/sessions/{pk}/kick/", follow=True)
    assert answer.redirect_chain[-1][0] == "/sessions/online/"
    (job,) = kicks()
    assert f"Disconnecting alice (job #{job.pk})" in answer.content.decode()
    everyone = operator.post("/sessions/kick/", {"username": "alice"}, follow=True)
    assert "every session of alice" in everyone.content.decode() and len(kicks()) == 2


def test_a_pushed_row_carries_the_button_with_the_page_s_token_to_come(online):
    alice = online["alice"]
    message = {
        "schema": "alpha",
        "topic": SESSIONS_TOPIC,
        "event": "SessionsChanged",
        "payload": {"sessions": [{"id": alice.pk, "event": "started"}]},
    }
    with schema_context("alpha"):
        html = "".join(fragment_render(message))
    assert f'action="/sessions/{alice.pk}/kick/"' in html
    assert 'name="csrfmiddlewaretoken" value=""' in html  # static/radtik.js fills it


def test_the_schema_documents_both_kicks_as_accepted(operator):
    paths = operator.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/sessions/{id}/kick/", "/api/sessions/kick/"):
        assert "202" in paths[path]["post"]["responses"], path


def test_options_describe_the_kicks(operator, online):
    for path in (f"/api/sessions/{online['alice'].pk}/kick/", "/api/sessions/kick/"):
        assert operator.options(path).status_code == 200, path
