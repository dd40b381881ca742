"""The one websocket endpoint. Clients subscribe to topics; the server pushes events.

Topics: `jobs`, `job.42`, … are relative to the connection's tenant. A system admin (base domain)
names groups in full: `tenant.7.jobs`, `system.tenants`. Tenant users may only name their own.
Messages: JSON `{"type": "event", "topic", "event", "payload"}` or, with ?format=html, the
fragment rendered here from the event (radtik.realtime.fragments) for htmx's ws extension.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import BaseChannelLayer

from radtik.events import group_name
from radtik.realtime.auth import Peer, Refused, is_portal_topic, resolve_peer
from radtik.realtime.fragments import fragment_html
from radtik.realtime.since import published_last

logger = logging.getLogger(__name__)


def authorise_topic(peer: Peer, topic: str) -> str:
    """Return the group for `topic` or raise PermissionError / ValueError."""
    group = _group_for(peer, topic)
    # channels refuses a group name this long by closing the socket (1011): refuse it first.
    if len(group) >= BaseChannelLayer.MAX_NAME_LENGTH:
        raise ValueError("Topic is too long")
    return group


def _group_for(peer: Peer, topic: str) -> str:
    if peer.tenant_id is None and not peer.is_system_admin:
        # On the base domain HTTP serves system admins only (radtik.permissions): so does this.
        raise PermissionError("Only system admins may watch the platform")
    if peer.user_id is None:  # anonymous portal client: its own payment topics only
        if peer.tenant_id is None or not is_portal_topic(topic):
            raise PermissionError("Log in first")
        return group_name(peer.tenant_id, topic)
    if topic.startswith("system."):
        if not peer.is_system_admin:
            raise PermissionError("Only system admins may watch platform topics")
        return group_name(None, topic.removeprefix("system."))
    if topic.startswith("tenant."):
        _, tenant_id, rest = (topic.split(".", 2) + ["", ""])[:3]
        if not tenant_id.isdigit() or not rest:
            raise ValueError("Topic must look like tenant.<id>.<topic>")
        if not peer.is_system_admin and int(tenant_id) != peer.tenant_id:
            raise PermissionError("You may only watch your own account")
        return group_name(int(tenant_id), rest)
    if peer.tenant_id is None:
        return group_name(None, topic)
    return group_name(peer.tenant_id, topic)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    peer: Peer | None = None

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        asked = [t for topics in query.get("topics", []) for t in topics.split(",") if t]
        portal_only = bool(asked) and all(is_portal_topic(t) for t in asked)
        try:
            self.peer = await database_sync_to_async(resolve_peer)(
                self.scope, allow_anonymous=portal_only
            )
        except Refused as refused:
            logger.info("websocket refused (%s): %s", refused.code, refused)
            await self.close(code=refused.code)
            return
        self.html = query.get("format", ["json"])[0] == "html"
        self.groups_joined: set[str] = set()
        await self.accept()
        for topics in query.get("topics", []):
            for topic in filter(None, topics.split(",")):
                await self.subscribe(topic)
        if self.html:  # the page refetches what changed before it was listening
            last = await asyncio.to_thread(published_last, self.groups_joined)
            await self.send_json({"type": "ready", "last": last})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        topic = content.get("topic") if isinstance(content, dict) else None
        if action not in ("subscribe", "unsubscribe") or not isinstance(topic, str):
            await self.send_json(
                {"type": "error", "error": 'Send {"action": "subscribe", "topic": "jobs"}'}
            )
            return
        if action == "subscribe":
            await self.subscribe(topic)
        else:
            await self.unsubscribe(topic)

    async def decode_json(self, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def subscribe(self, topic: str) -> None:
        try:
            group = authorise_topic(self.peer, topic)
        except (PermissionError, ValueError) as exc:
            await self.send_json({"type": "error", "topic": topic, "error": str(exc)})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        await self.send_json({"type": "subscribed", "topic": topic})

    async def unsubscribe(self, topic: str) -> None:
        try:
            group = authorise_topic(self.peer, topic)
        except (PermissionError, ValueError):
            return
        await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.discard(group)
        await self.send_json({"type": "unsubscribed", "topic": topic})

    async def radtik_event(self, message: dict) -> None:
        if self.html:
            html = await fragment_html(message)
            for frame in [html] if isinstance(html, str) else html:
                if frame:
                    await self.send(text_data=frame)
            return
        await self.send_json(
            {
                "type": "event",
                "topic": message["topic"],
                "event": message["event"],
                "payload": message["payload"],
            }
        )
