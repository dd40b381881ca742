"""Imports of IP pools and PPP secrets from a simulated router, through the real cluster."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from routers.models import IPPool, PPPProfile, PPPSecret, Router
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


def add_router(sim, schema: str = "alpha", name: str = "core-1") -> Router:
    with schema_context(schema):
        return Router.objects.create(
            name=name,
            host=sim.host,
            api_port=sim.port,
            api_username=sim.username,
            api_password=sim.password,
            status="online",
        )


def run_import(client, router: Router, what: str = "all", timeout: float = 90) -> Job:
    response = client.post(
        f"/api/routers/{router.pk}/import/", {"what": what}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    # Answered before any of the import ran (no wall clock: the machine may be loaded).
    assert response.json()["job"]["status"] == "queued", response.json()
    return wait_job(response.json()["job"]["id"], timeout=timeout)


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "noc", role="operator"))


def test_large_import_is_incremental_and_idempotent(routeros_farm, operator):
    sim = routeros_farm(1, bulk_ppp_secrets=5000, bulk_pools=20)[0]
    router = add_router(sim)
    job = run_import(operator, router)
    assert job.status == "succeeded", job.error
    secrets = job.result["secrets"]
    assert secrets["imported"] == len(sim.state.rows("/ppp/secret")) >= 5000
    assert secrets["failed"] == 0
    assert job.result["pools"]["imported"] == len(sim.state.rows("/ip/pool"))
    with schema_context("alpha"):
        assert PPPSecret.objects.filter(router=router).count() >= 5000
        pool = IPPool.objects.get(router=router, name="bulk-pool-0001")
        assert "/" not in pool.ranges and "-" in pool.ranges  # one range line, not 65k rows
        assert PPPProfile.objects.filter(router=router).exists()
        log = list(job.log_lines.values_list("message", flat=True))
    assert any(
        line.startswith("starting import of all from router core-1 (tenant alpha, user noc)")
        for line in log
    )
    assert any(line.startswith("completed import from core-1") for line in log)

    again = run_import(operator, router)
    assert again.result["secrets"]["unchanged"] == secrets["imported"]
    assert again.result["secrets"]["imported"] == again.result["secrets"]["updated"] == 0

    first, second = sim.state.rows("/ppp/secret")[:2]
    sim.state.set_row("/ppp/secret", first[".id"], {"password": "rotated-pw", "comment": "vip"})
    sim.state.remove_rows("/ppp/secret", [second[".id"]])
    third = run_import(operator, router, what="secrets")
    assert third.result["secrets"]["updated"] == 1
    assert third.result["secrets"]["removed"] == 1
    with schema_context("alpha"):
        changed = PPPSecret.objects.get(router=router, name=first["name"])
        gone = PPPSecret.objects.get(router=router, name=second["name"])
    assert changed.password == "rotated-pw" and changed.comment == "vip"
    assert gone.removed_at is not None
    listed = operator.get(f"/api/ppp-secrets/?router={router.pk}").json()
    assert listed["count"] == third.result["secrets"]["unchanged"] + 1
    assert "password" not in listed["results"][0]


def test_unreachable_router_fails_clearly(routeros_farm, operator):
    sim = routeros_farm(1)[0]
    router = add_router(sim)
    sim.stop_listening()
    job = run_import(operator, router)
    assert job.status == "failed"
    assert "refused" in job.error.lower() or "unreachable" in job.error.lower()


def test_login_failure_is_reported_as_such(routeros_farm, operator):
    sim = routeros_farm(1)[0]
    router = add_router(sim)
    sim.faults.fail_login = True
    job = run_import(operator, router)
    assert job.status == "failed" and "login" in job.error.lower()


def test_router_dropping_mid_import_leaves_no_half_written_item(routeros_farm, operator):
    sim = routeros_farm(1, bulk_ppp_secrets=2000)[0]
    router = add_router(sim)
    assert run_import(operator, router, what="pools").status == "succeeded"
    with schema_context("alpha"):
        pools_before = IPPool.objects.filter(router=router).count()
    sim.faults.drop_after_sentences = 500  # in the middle of /ppp/secret/print
    job = run_import(operator, router, what="secrets")
    assert job.status == "failed"
    assert "connection" in job.error.lower() or "closed" in job.error.lower()
    with schema_context("alpha"):
        assert IPPool.objects.filter(router=router).count() == pools_before
        assert PPPSecret.objects.filter(router=router).count() == 0


def test_command_runs_in_foreground_and_refuses_unknowns(routeros_farm, capsys):
    sim = routeros_farm(1)[0]
    add_router(sim, name="edge-7")
    call_command("import_router", router="edge-7", what="pools", tenant="alpha")
    out = capsys.readouterr().out
    assert "pools:" in out and "imported" in out
    with pytest.raises(CommandError, match="Unknown router 'nope' in tenant alpha"):
        call_command("import_router", router="nope", tenant="alpha")
    with pytest.raises(CommandError, match="Unknown tenant 'ghost'"):
        call_command("import_router", router="edge-7", tenant="ghost")
    with pytest.raises(CommandError, match="Several tenants"):
        call_command("import_router", router="edge-7")


def test_command_exits_nonzero_with_one_line(routeros_farm):
    import subprocess
    import sys

    from tests.support.processes import ROOT, process_env

    result = subprocess.run(
        [sys.executable, "manage.py", "import_router", "--router", "nope", "--tenant", "alpha"],
        cwd=ROOT,
        env=process_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: Unknown router 'nope' in tenant alpha"
    ]


def test_beta_cannot_see_alpha_imports(routeros_farm, operator, make_user, tenant_client):
    sim = routeros_farm(1)[0]
    router = add_router(sim)
    assert run_import(operator, router).status == "succeeded"
    beta = tenant_client("beta", make_user("beta", "other", role="admin"))
    assert beta.get("/api/ppp-secrets/").json()["count"] == 0
    assert beta.get("/api/ip-pools/").json()["count"] == 0
    assert (
        beta.post(
            f"/api/routers/{router.pk}/import/", {"what": "all"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_imported_secrets_move_to_radius_after_a_preview(
    routeros_farm, make_user, tenant_client, radius_agent
):
    from radius.services import radius_server_create

    sim = routeros_farm(1)[0]  # seeded secrets alice, bob, carol
    router = add_router(sim)
    admin = tenant_client("alpha", make_user("alpha", "boss", role="admin"))
    assert run_import(admin, router, what="secrets").status == "succeeded"
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
    url = f"/api/routers/{router.pk}/secrets-to-radius/"
    preview = admin.get(url).json()
    names = sorted(item["name"] for item in preview["items"])
    assert names == sorted(s["name"] for s in sim.state.rows("/ppp/secret"))
    assert "password" not in str(preview)
    assert all(agent.call("GET", f"/users/{n}").status_code == 404 for n in names)  # nothing yet

    response = admin.post(
        url, {"server": server.pk, "disable_local": True}, content_type="application/json"
    )
    assert response.status_code == 202
    job = wait_job(response.json()["job"]["id"])
    assert job.status == "succeeded", job.error
    assert job.result["moved"] == len(names) and job.result["disabled_on_router"] == len(names)
    first = sim.state.find("/ppp/secret", name=names[0])[0]
    user = agent.call("GET", f"/users/{names[0]}").json()
    assert {"attribute": "Cleartext-Password", "op": ":=", "value": first["password"]} in (
        user["check"]
    )
    assert all(row["disabled"] in ("true", "yes") for row in sim.state.rows("/ppp/secret"))
    operator = tenant_client("alpha", make_user("alpha", "op2", role="operator"))
    assert (
        operator.post(url, {"server": server.pk}, content_type="application/json").status_code
        == 403
    )
