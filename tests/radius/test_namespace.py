"""One username namespace per RADIUS server: a voucher, a subscription and a moved PPP secret
never take over each other's RADIUS user (radtik's check, and the agent's across tenants)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Customer
from billing.services import package_create, subscription_activate
from radius.client import AgentClient, agent_client_for
from radius.namespace import radius_users_delete, username_owners
from radius.services import radius_server_create
from radius.users import RadiusLimits, RadiusOwner, radius_user
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.registry import JobKind
from radtik.jobs.runner import run_in_foreground
from radtik.jobs.services import job_enqueue
from routers.models import PPPSecret, Router
from routers.tasks import MoveSecretsToRadius
from tests.support.jobs import wait_job
from vouchers.models import Voucher
from vouchers.services import batch_create, profile_create

pytestmark = pytest.mark.usefixtures("live_db")


def run_here(kind: JobKind, schema: str = "alpha", **params) -> Job:
    job = job_enqueue(kind=kind, params=params, foreground=True)
    run_in_foreground(job, JobContext(job=job, schema_name=schema))
    job.refresh_from_db()
    return job


def server_for(agent_url: str, token: str = "t", name: str = "radius-1"):
    return radius_server_create(
        name=name, host="127.0.0.1", api_base_url=agent_url, token=token
    ).server


def router_with_secrets(name: str, secrets: dict[str, str]) -> Router:
    """A router whose PPP secrets were imported (as routers.imports leaves them)."""
    router = Router.objects.create(
        name=name, host=f"{name}.example", api_username="admin", api_password="x", status="online"
    )
    for number, (secret, password) in enumerate(secrets.items(), start=1):
        PPPSecret.objects.create(
            router=router, name=secret, password=password, router_id_on_device=f"*{number}"
        )
    return router


def move(router: Router, server, schema: str = "alpha") -> Job:
    return run_here(
        MoveSecretsToRadius, schema, router_id=router.pk, server_id=server.pk, names=None
    )


def test_owners_are_found_across_sources_on_their_server_only(tenants):
    with schema_context("alpha"):
        one, two = server_for("http://127.0.0.1:9"), server_for("http://127.0.0.1:9", name="r2")
        batch = batch_create(profile=profile_create(name="1h"), radius_server=one, count=1).batch
        voucher = batch.vouchers.get().username
        package = package_create(name="day", price=50, validity_seconds=86400, radius_server=one)
        with transaction.atomic():
            subscription = subscription_activate(
                customer=Customer.objects.create(phone="254700000001"),
                package=package,
                now=timezone.now(),
            )
        router = router_with_secrets("core-1", {"alice": "pw"})
        PPPSecret.objects.filter(router=router).update(moved_to_radius_server=one)
        names = [voucher, subscription.username, "alice", "nobody"]

        owners = {name: o.label for name, o in username_owners(server=one, usernames=names).items()}
        assert owners == {
            voucher: f"voucher batch {batch.pk}",
            subscription.username: f"subscription {subscription.pk}",
            "alice": f"PPP secrets of router {router.pk} (core-1)",
        }
        assert username_owners(server=two, usernames=names) == {}


def test_moving_a_secret_another_router_moved_is_refused_with_its_owner(
    radius_agent, tenant_client, make_user
):
    agent = radius_agent()
    admin = tenant_client("alpha", make_user("alpha", "boss", role="admin"))
    with schema_context("alpha"):
        server = server_for(agent.url, agent.token)
        first = router_with_secrets("core-1", {"alice": "first-pw", "bob": "pw"})
        assert move(first, server).result == {"moved": 2, "failed": 0, "disabled_on_router": 0}
        second = router_with_secrets("core-2", {"alice": "second-pw", "dave": "pw"})

    url = f"/api/routers/{second.pk}/secrets-to-radius/"
    refused = admin.post(url, {"server": server.pk}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["names"] == [
        f"username 'alice' on server 'radius-1' already belongs to PPP secrets of router "
        f"{first.pk} (core-1)"
    ]
    with schema_context("alpha"):
        assert (
            not Job.objects.filter(kind=MoveSecretsToRadius.name)
            .exclude(params__router_id=first.pk)
            .exists()
        )
    accepted = admin.post(
        url, {"server": server.pk, "names": ["dave"]}, content_type="application/json"
    )
    assert accepted.status_code == 202, accepted.content
    # The first router's alice is still what RADIUS has; its own second move is no collision.
    password = {"attribute": "Cleartext-Password", "op": ":=", "value": "first-pw"}
    assert password in agent.call("GET", "/users/alice").json()["check"]
    with schema_context("alpha"):
        assert move(first, server).result["moved"] == 2


def test_a_voucher_that_already_collides_fails_its_sync_naming_the_owner(radius_agent, qcluster):
    """Databases from before the namespace may hold such a pair: the sync refuses it."""
    agent = radius_agent()
    with schema_context("alpha"):
        server = server_for(agent.url, agent.token)
        router = router_with_secrets("core-1", {"alice": "router-pw"})
        move(router, server)
        # The pair committed together with the batch's own sync job, which the cluster runs
        # (a second sync run here would share the batch with it).
        with transaction.atomic():
            made = batch_create(profile=profile_create(name="1h"), radius_server=server, count=2)
            Voucher.objects.filter(pk=made.batch.vouchers.first().pk).update(username="alice")
    job = wait_job(made.job.pk)
    with schema_context("alpha"):
        assert job.status == "succeeded", job.error
        assert job.result == {"synced": 1, "failed": 1, "total": 2}
        alice = Voucher.objects.get(username="alice")
        assert alice.radius_sync_status == "failed"
        assert alice.radius_sync_error == (
            f"username 'alice' on server 'radius-1' already belongs to PPP secrets of router "
            f"{router.pk} (core-1)"
        )
    password = {"attribute": "Cleartext-Password", "op": ":=", "value": "router-pw"}
    assert password in agent.call("GET", "/users/alice").json()["check"]


def test_another_tenant_on_the_same_agent_cannot_take_a_user_over(radius_agent):
    agent = radius_agent()
    with schema_context("alpha"):
        alpha_router = router_with_secrets("core-1", {"alice": "alpha-pw"})
        move(alpha_router, server_for(agent.url, agent.token))
    with schema_context("beta"):
        beta_server = server_for(agent.url, agent.token)
        beta_router = router_with_secrets("edge", {"alice": "beta-pw", "erin": "pw"})
        job = move(beta_router, beta_server, "beta")
        assert job.result == {"moved": 1, "failed": 1, "disabled_on_router": 0}
        warning = job.log_lines.get(level="warning").message
        assert warning == (
            "alice: username 'alice' on this RADIUS server already belongs to "
            f"'alpha:router:{alpha_router.pk}'; it was not changed"
        )
        assert PPPSecret.objects.get(name="alice").moved_to_radius_server is None
        # Nor can its removals delete the other tenant's user.
        with agent_client_for(beta_server) as client:
            assert radius_users_delete(agent=client, usernames=["alice", "erin"]) == 1
    assert agent.call("GET", "/users/erin").status_code == 404
    password = {"attribute": "Cleartext-Password", "op": ":=", "value": "alpha-pw"}
    assert password in agent.call("GET", "/users/alice").json()["check"]


def test_users_of_different_sets_in_one_batch_each_get_their_own_rows(radius_agent):
    """radtik sends each set of shared fields once (radius.client.compact_batch): users of
    two sets in one batch keep their own limits, and an item error names its own index."""
    agent = radius_agent()
    owner = RadiusOwner("alpha", "subscription", 7, "subscription 7")
    hour, day = RadiusLimits(time_limit=3600), RadiusLimits(rate_limit="1M/2M")
    h1 = radius_user(username="h1", password="p1", owner=owner, limits=hour)
    users = [
        h1,
        radius_user(username="bad name", password="p2", owner=owner, limits=day),
        radius_user(username="d1", password="p3", owner=owner, limits=day, groups=["day"]),
        h1.with_credentials("h2", "p4"),  # as a batch's vouchers are made from one template
    ]
    with AgentClient(agent.url, agent.token) as client:
        result = client.batch(users)
    assert (result.synced, result.failed) == (3, 1)
    assert [(e.index, e.username) for e in result.errors] == [(1, "bad name")]
    h1, d1, h2 = (agent.call("GET", f"/users/{name}").json() for name in ("h1", "d1", "h2"))
    assert {"attribute": "Session-Timeout", "op": "=", "value": "3600"} in h1["reply"]
    assert h1["reply"] == h2["reply"] and h2["check"][0]["value"] == "p4"
    assert d1["reply"] == [{"attribute": "Mikrotik-Rate-Limit", "op": "=", "value": "1M/2M"}]
    assert d1["groups"] == ["day"] and h1["groups"] == []
