"""What an import keeps in step with the router, as operators read it back (the API lists,
RADIUS after a move), through the real cluster and the RouterOS simulator."""

from __future__ import annotations

import pytest

from tests.routers.test_imports import add_router, run_import
from tests.support.jobs import wait_job
from tests.support.radius import agent_server

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "noc-admin", role="admin"))


def listed(client, what: str, router) -> dict[str, dict]:
    """What the operator's list shows (items gone from the router are left out)."""
    rows = client.get(f"/api/{what}/?router={router.pk}").json()["results"]
    return {item["name"]: item for item in rows}


def test_an_item_back_on_the_router_after_its_removal_is_imported_again(routeros_farm, admin):
    sim = routeros_farm(1)[0]
    router = add_router(sim)
    assert run_import(admin, router).status == "succeeded"
    (bob,) = sim.state.find("/ppp/secret", name="bob")
    (pool,) = sim.state.rows("/ip/pool")[:1]
    sim.state.remove_rows("/ppp/secret", [bob[".id"]])
    sim.state.remove_rows("/ip/pool", [pool[".id"]])
    gone = run_import(admin, router)
    assert gone.result["secrets"]["removed"] == 1 and gone.result["pools"]["removed"] == 1
    assert "bob" not in listed(admin, "ppp-secrets", router)
    assert pool["name"] not in listed(admin, "ip-pools", router)

    # Back, as an operator re-creates them on the router (new ids, a new password and range).
    sim.state.add_row("/ppp/secret", {**_fields(bob), "password": "bob-again", "comment": "back"})
    sim.state.add_row("/ip/pool", {"name": pool["name"], "ranges": "10.77.0.2-10.77.0.254"})
    back = run_import(admin, router)
    assert back.status == "succeeded", back.error
    secret = listed(admin, "ppp-secrets", router)["bob"]
    assert secret["comment"] == "back" and secret["removed_at"] is None
    assert listed(admin, "ip-pools", router)[pool["name"]]["ranges"] == "10.77.0.2-10.77.0.254"


def test_an_import_that_changes_only_a_password_updates_it(
    routeros_farm, admin, radius_agent, freeradius
):
    """The password is all that changed on the router: the import takes it, and moving the
    secret to RADIUS then logs in with the new password only."""
    sim = routeros_farm(1)[0]
    router = add_router(sim)
    assert run_import(admin, router, what="secrets").status == "succeeded"
    (alice,) = sim.state.find("/ppp/secret", name="alice")
    sim.state.set_row("/ppp/secret", alice[".id"], {"password": "alice-rotated-9"})
    again = run_import(admin, router, what="secrets")
    assert again.status == "succeeded", again.error
    assert again.result["secrets"]["updated"] == 1
    assert again.result["secrets"]["unchanged"] == len(sim.state.rows("/ppp/secret")) - 1

    agent = radius_agent()
    server = agent_server(agent)
    moved = admin.post(
        f"/api/routers/{router.pk}/secrets-to-radius/",
        {"server": server.pk, "names": ["alice"]},
        content_type="application/json",
    )
    assert moved.status_code == 202, moved.content
    assert wait_job(moved.json()["job"]["id"]).status == "succeeded"
    radius = freeradius(agent)
    assert radius.auth("alice", "alice-rotated-9").accepted, radius.tail()
    assert not radius.auth("alice", alice["password"]).accepted


def _fields(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if key != ".id"}
