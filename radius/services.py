"""RADIUS servers: created with a generated agent token that is shown once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from radius.models import RadiusServer
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.writes import fields_update


@dataclass(frozen=True)
class ServerCreation:
    server: RadiusServer
    token: str  # put it in the agent's --token-file; radtik never shows it again


def radius_server_create(
    *, name: str, host: str, api_base_url: str, token: str = "", actor: Any = None
) -> ServerCreation:
    token = token or secrets.token_urlsafe(32)
    server = RadiusServer(name=name, host=host, api_base_url=api_base_url, auth_token=token)
    server.full_clean()
    with transaction.atomic():
        server.save()
        audit_record(
            actor=actor,
            action=AuditAction.RADIUS_SERVER_CREATE,
            obj=server,
            changes={"host": host, "api_base_url": api_base_url},
        )
    return ServerCreation(server=server, token=token)


def radius_server_update(*, server: RadiusServer, actor: Any = None, **fields: Any) -> RadiusServer:
    """Its name, addresses, agent token or active flag (a disabled server takes no new batches)."""
    return fields_update(
        obj=server, fields=fields, action=AuditAction.RADIUS_SERVER_UPDATE, actor=actor
    )
