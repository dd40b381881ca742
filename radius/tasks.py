"""RADIUS job kinds: the connection test of a server's agent."""

from __future__ import annotations

from radius.client import AgentError
from radius.models import RadiusServer
from radius.services import radius_server_check
from radtik.jobs.context import JobContext, JobGiveUp
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind


def radius_server_test_run(ctx: JobContext) -> dict[str, str]:
    server = RadiusServer.objects.get(pk=ctx.params["server_id"])
    ctx.progress("connecting", 10, f"Reaching the agent at {server.api_base_url}")
    try:
        result = radius_server_check(server=server)
    except AgentError as exc:
        raise JobGiveUp(str(exc)) from None  # the operator fixes it and tests again
    ctx.progress("connected", 100, f"Agent answers, {result['database']} database up, token OK")
    return result


# One attempt: a test that retried would only hide the answer for longer.
TestRadiusServer = JobKind(
    name="radius.test",
    policy=JobPolicy(attempts=1, timeout=60),
    run=radius_server_test_run,
)
