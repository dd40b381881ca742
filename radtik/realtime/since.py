"""When a topic last had an event, so a live page misses no change.

A page is rendered, then its websocket subscribes: an event sent in between reaches nobody (and
so does one sent while the socket was down). Each send marks its group's moment first
(`published_mark`, before the send: a subscriber that reads an older mark joined in time to
receive the event itself); once subscribed, the socket tells the page the newest mark of its
topics (`published_last`), and a page rendered before it fetches its live regions once
(static/radtik.js). The page's moment is its request's start (`live_since_middleware`), never
its render's: a list read in the view is older than the template.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

from radtik.redis_client import redis_client, redis_key

# A mark outlives any render-to-subscribe window and any reconnect worth catching up by
# refetching; a page older than this reloads its regions anyway (no mark: 0 = "nothing since").
MARK_TTL = 3600


def published_mark(*groups: str) -> None:
    """Mark these groups' moment, in one round trip (a settled batch sends to hundreds)."""
    moment = f"{time.time():.3f}"
    pipe = redis_client().pipeline(transaction=False)
    for group in groups:
        pipe.set(redis_key("published", group), moment, ex=MARK_TTL)
    pipe.execute()


def published_last(groups: Iterable[str]) -> float:
    """The newest mark of these groups (0 when none has one)."""
    keys = [redis_key("published", group) for group in groups]
    marks = redis_client().mget(keys) if keys else []
    return max((float(mark) for mark in marks if mark), default=0.0)


def live_since_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """The request's start, as the moment its page shows (templates: request.live_since)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.live_since = f"{time.time():.3f}"
        return get_response(request)

    return middleware
