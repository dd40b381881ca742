"""HTML fragments for htmx pages, rendered at the edge from an event's data.

Services publish data (radtik.events); a page that asks the websocket for ?format=html gets
the fragment a renderer makes of each event. Apps register their renderers (by event or by
topic) in a `fragments` module, found like admin.py by autodiscovery, so this plumbing names no
app's events.
A renderer runs in the event's tenant schema and may read the database: the consumer renders
each message once per process, whatever the number of its subscribers (fragment_html).
A renderer may return several fragments, each sent as a frame of its own: htmx parses a frame's
top-level elements together, so table rows (<tr>), new rows (<tbody> wrappers) and other
elements each need their own frame.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tenants.utils import get_public_schema_name, schema_context

logger = logging.getLogger(__name__)

RECENT = 256  # messages whose fragment is kept, for the other subscribers of the same process


@dataclass(frozen=True)
class Event:
    topic: str  # relative to the tenant: `jobs`, `router.7`
    event: str
    payload: dict[str, Any]


Fragments = str | list[str]
Renderer = Callable[[Event], Fragments]

# Keys are names or fnmatch patterns ("job.*"): of events, or of the topics they go to.
_by_event: dict[str, Renderer] = {}
_by_topic: dict[str, Renderer] = {}
_discovered = False


def fragment_renderer(*events: str, topics: tuple[str, ...] = ()) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as the fragment of `events`, or of every event sent to
    `topics` (for an app whose topics hold many events). An event's own renderer comes first."""

    def register(render: Renderer) -> Renderer:
        for table, names in ((_by_event, events), (_by_topic, topics)):
            for name in names:
                if table.get(name, render) is not render:
                    raise ValueError(f"{name!r} already has a fragment renderer")
                table[name] = render
        return render

    return register


def _match(table: dict[str, Renderer], name: str) -> Renderer | None:
    if name in table:
        return table[name]
    return next((r for key, r in table.items() if fnmatch.fnmatchcase(name, key)), None)


def _renderer_for(message: dict[str, Any]) -> Renderer | None:
    global _discovered
    if not _discovered:
        autodiscover_modules("fragments")
        _discovered = True
    return _match(_by_event, message["event"]) or _match(_by_topic, message["topic"])


def fragment_render(message: dict[str, Any]) -> Fragments:
    """The fragment(s) of a published message ("" when its event has none), in its schema."""
    render = _renderer_for(message)
    if render is None:
        return ""
    event = Event(topic=message["topic"], event=message["event"], payload=message["payload"])
    from tenants.selectors import schema_time_zone

    schema = message.get("schema") or get_public_schema_name()
    with schema_context(schema), timezone.override(schema_time_zone(schema)):
        return render(event)


_recent: OrderedDict[str, asyncio.Future[Fragments]] = OrderedDict()


async def fragment_html(message: dict[str, Any]) -> Fragments:
    """fragment_render, once per message in this process: every html subscriber of the group
    receives its own copy of the message, and the first one's rendering serves them all."""
    key = message.get("id")
    if key is None:
        return await _render_safely(message)
    if key not in _recent:
        _recent[key] = asyncio.ensure_future(_render_safely(message))
        while len(_recent) > RECENT:
            _recent.popitem(last=False)
    return await asyncio.shield(_recent[key])


async def _render_safely(message: dict[str, Any]) -> Fragments:
    try:
        return await database_sync_to_async(fragment_render)(message)
    except Exception:
        # A broken renderer costs the page one update, not its websocket.
        logger.exception("Could not render %s on %s", message.get("event"), message.get("topic"))
        return ""
