"""A tenant's RADIUS server record for a running test agent."""

from __future__ import annotations

from django_tenants.utils import schema_context

from radius.models import RadiusServer
from radius.services import radius_server_create
from radius.testing.agent import RadiusAgent


def agent_server(agent: RadiusAgent, *, schema: str = "alpha") -> RadiusServer:
    with schema_context(schema):
        return radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
