"""The one way to push a realtime event: `publish(tenant, topic, event, payload)`.

Events go out after the surrounding transaction commits, to the Channels group
`tenant.<id>.<topic>` (or `system.<topic>` for platform events, tenant=None). Payloads are plain
JSON, with phone numbers and e-mail addresses masked and secret-looking keys dropped. Events are
data: the HTML htmx pages swap in is rendered from them at the edge (radtik.realtime.fragments).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name

from radtik.realtime.since import published_mark

logger = logging.getLogger(__name__)

EVENT_TYPE = "radtik.event"
SEND_TIMEOUT = 5.0  # seconds; a dead Redis must not hold a worker
SECRET_KEY_PARTS = ("password", "token", "secret", "passkey", "api_key")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\d.])(\+?\d{4})(\d{2,5})(\d{4})(?![\d.])")  # 10-13 digits
_TOPIC = re.compile(r"^[a-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def group_name(tenant_id: int | None, topic: str) -> str:
    if not _TOPIC.match(topic):
        raise ValueError(f"Invalid topic {topic!r}")
    return f"system.{topic}" if tenant_id is None else f"tenant.{tenant_id}.{topic}"


def mask_text(text: str) -> str:
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}", text)


@functools.lru_cache(maxsize=4096)
def _secret_key(key: Any) -> bool:
    """Cached: a payload of 10,000 sessions repeats the same dozen keys."""
    return any(part in str(key).lower() for part in SECRET_KEY_PARTS)


def mask_payload(value: Any) -> Any:
    """Mask contact data and drop secrets, recursively."""
    if isinstance(value, dict):
        return {key: mask_payload(item) for key, item in value.items() if not _secret_key(key)}
    if isinstance(value, list | tuple):
        return [mask_payload(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


@dataclass(frozen=True)
class DomainEvent:
    """What a listener hears: the event as published (payload unmasked: it stays in-process)."""

    tenant_id: int | None
    schema: str
    topic: str
    event: str
    payload: dict[str, Any]


Listener = Callable[[DomainEvent], None]
# A listener registered with many=True hears a batch's events of one name in one call.
ManyListener = Callable[[list[DomainEvent]], None]
_listeners: dict[tuple[str, str], list[tuple[Callable[..., None], bool]]] = {}


def listen(topic: str, *events: str, many: bool = False) -> Callable[[Any], Any]:
    """Register the decorated function for `events` published to `topic` (exact names). With
    `many`, it takes a list: the events of one publish_many call (a batch of payments) at once."""

    def register(listener: Any) -> Any:
        for event in events:
            _listeners.setdefault((topic, event), []).append((listener, many))
        return listener

    return register


def _tell_listeners(events: list[DomainEvent]) -> None:
    """Each listener of each event, in a savepoint per call: a listener's error is logged and
    undone, never the caller's write. A many-listener failing on a batch hears its events again
    one at a time, so the error stays with the event that caused it."""
    named: dict[tuple[str, str], list[DomainEvent]] = {}
    for event in events:
        if (event.topic, event.event) in _listeners:
            named.setdefault((event.topic, event.event), []).append(event)
    for key, heard in named.items():
        for listener, many in _listeners[key]:
            if many and len(heard) > 1 and _heard(listener, heard):
                continue
            for event in heard:
                _heard(listener, [event] if many else event)


def _heard(listener: Callable[..., None], what: Any) -> bool:
    try:
        with transaction.atomic():
            listener(what)
    except Exception:
        name = what[0].event if isinstance(what, list) else what.event
        logger.exception("listener %s failed on %s", listener.__qualname__, name)
        return False
    return True


def _address(tenant: Any | None) -> tuple[int | None, str]:
    """(tenant id, schema) of a Tenant, a tenant id or None (the platform)."""
    if getattr(tenant, "schema_name", None) == get_public_schema_name():
        tenant = None
    tenant_id = getattr(tenant, "pk", tenant)
    if tenant_id is None:
        return None, get_public_schema_name()
    return tenant_id, getattr(tenant, "schema_name", None) or connection.schema_name


def _message(schema: str, topic: str, event: str, payload: dict) -> dict[str, Any]:
    return {
        "type": EVENT_TYPE,
        "id": uuid.uuid4().hex,
        "schema": schema,
        "topic": topic,
        "event": event,
        "payload": payload,
    }


def publish(tenant: Any | None, topic: str, event: str, payload: dict | None = None) -> None:
    """Send `event` to the topic's group once the current transaction commits.

    `tenant` is a Tenant, a tenant id (the one whose schema the caller is in), or None for
    platform (system) events. The message's `id` lets the edge render it once per process, in
    `schema`, the schema its data lives in.
    """
    publish_many(tenant, [(topic, event, payload)])


def publish_many(tenant: Any | None, events: Iterable[tuple[str, str, dict | None]]) -> None:
    """publish for many (topic, event, payload) at once: listeners hear them together, and one
    on-commit hook sends them all, each group's in order, waiting once (a batch of payments
    publishes hundreds of events; one hook and one wait each cost a Redis round trip)."""
    tenant_id, schema = _address(tenant)
    sends: dict[str, list[dict]] = {}
    heard: list[DomainEvent] = []
    for topic, event, payload in events:
        message = _message(schema, topic, event, mask_payload(payload or {}))
        json.dumps(message)  # fail loudly here, not in the channel layer, on a non-JSON payload
        sends.setdefault(group_name(tenant_id, topic), []).append(message)
        if (topic, event) in _listeners:
            heard.append(DomainEvent(tenant_id, schema, topic, event, dict(payload or {})))
    if heard:
        _tell_listeners(heard)
    if sends:
        transaction.on_commit(lambda: _send(sends))


def _send(sends: dict[str, list[dict]]) -> None:
    """Every group's messages, the groups concurrently and each group's in order."""

    async def send_group(group: str, messages: list[dict]) -> None:
        layer = get_channel_layer()
        for message in messages:
            try:
                await layer.group_send(group, message)
            except Exception:
                logger.exception("Could not publish %s to %s", message["event"], group)

    async def send_all() -> None:
        await asyncio.gather(*(send_group(group, messages) for group, messages in sends.items()))

    try:
        published_mark(*sends)  # first: radtik.realtime.since
        asyncio.run_coroutine_threadsafe(send_all(), _sender_loop()).result(SEND_TIMEOUT)
    except (Exception, asyncio.CancelledError):
        # A dead Redis, or a request cancelled because its client hung up, must neither fail
        # the write that already committed nor stop the on-commit hooks after this one (the
        # job's hand-over to the cluster among them).
        events = sorted({message["event"] for messages in sends.values() for message in messages})
        logger.exception("Could not publish %s to %s", ", ".join(events), ", ".join(sends))


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, for every send from sync code.

    async_to_sync outside a server starts a new loop, thread and Redis connection per call (a
    worker publishing hundreds of events paid ~4 ms each); a client hanging up can no longer
    cancel a send either. Re-created after fork (django-q forks its workers).
    """
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="radtik-events", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


COALESCE_SECONDS = 1.0  # publish_coalesced: at most one event per group per this window
_COALESCE_TTL = 30  # s: a window whose process died before its send frees itself


def publish_coalesced(
    tenant: Any | None, topic: str, event: str, *, window: float = COALESCE_SECONDS
) -> None:
    """Send a payload-less `event` to the topic at most once per `window`, across processes.

    For figures a page re-reads on each event (dashboards): a burst of a thousand payments must
    not send a thousand re-renders. The first change after commit claims the window (one Redis
    key per group and event) and the send goes out when it ends, so every change committed
    within it is read by that one send; changes after the key is freed claim the next window.
    """
    tenant_id, schema = _address(tenant)
    group = group_name(tenant_id, topic)
    transaction.on_commit(lambda: _coalesce_claim(group, schema, topic, event, window))


def _coalesce_claim(group: str, schema: str, topic: str, event: str, window: float) -> None:
    from radtik.redis_client import redis_client, redis_key

    key = redis_key("coalesce", group, event)
    try:
        published_mark(group)  # each change: radtik.realtime.since
        if not redis_client().set(key, "1", nx=True, ex=_COALESCE_TTL):
            return  # a send is already due and will read this change
        loop = _sender_loop()
        loop.call_soon_threadsafe(
            loop.call_later, window, _coalesce_send, key, group, schema, topic, event
        )
    except Exception:
        logger.exception("Could not schedule %s to %s", event, group)


def _coalesce_send(key: str, group: str, schema: str, topic: str, event: str) -> None:
    """On the sender loop: free the window first, so a change committed after this read is
    never absorbed by it, then send."""
    from radtik.redis_client import redis_client

    message = _message(schema, topic, event, {})

    async def send() -> None:
        try:
            await asyncio.to_thread(redis_client().delete, key)
            await asyncio.wait_for(get_channel_layer().group_send(group, message), SEND_TIMEOUT)
        except (Exception, asyncio.CancelledError):
            logger.exception("Could not publish %s to %s", event, group)

    asyncio.ensure_future(send())
