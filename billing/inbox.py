"""The callback inbox: a callback request only stores its body; the payments cluster matches it.

Matching a callback to its payment takes a lock per CheckoutRequestID, the payment's row lock, a
receipt check, an audit entry and the ProcessPayment job with its events: two thirds of what a
callback cost when the request did it. Done by a drain in the payments cluster instead, the
request is one INSERT, so a burst of callbacks is answered as fast as Daraja sends them
(bench/payments_callback.py) while the matching follows, in arrival order, right behind.

Wake-ups coalesce: a Redis key per schema says a drain is queued or running. The callback that
sets it hands a drain over; the others only store their row. A drain clears the key before its
last look for rows, so a row stored during the drain is either seen by that look or wakes a new
drain. A dead drain holds the key for WAKE_TTL seconds at most and the broker hands its task out
again; the minute check (`inbox_revive`) wakes any schema whose rows have waited too long.
Concurrent drains are harmless: each takes rows the others have not locked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from billing.choices import PROCESS_KIND, CallbackOutcome
from billing.models import PaymentCallback
from radtik.jobs.broker import hand_over
from radtik.jobs.policies import policy_for
from radtik.redis_client import redis_client, redis_key

logger = logging.getLogger(__name__)

DRAIN = "billing.tasks.callbacks_drain"
DRAIN_TIMEOUT = 300  # s for one drain task; a longer backlog is finished by the next drain
WAKE_TTL = 60  # s a dead drain can hold back wake-ups
REVIVE_AFTER = timedelta(seconds=30)  # a row waiting this long gets a drain from the minute check


def inbox_wake(schema_name: str, *, force: bool = False) -> None:
    """Callbacks wait in `schema_name`: make sure a drain is queued or running. Never raises: the
    row is stored, and the minute check wakes it if this fails."""
    try:
        if force or _claim_wake(schema_name):
            hand_over(
                DRAIN,
                schema_name,
                name=f"billing.callbacks:{schema_name}",
                timeout=DRAIN_TIMEOUT,
                queue=policy_for(PROCESS_KIND).queue,
                save=False,
            )
    except Exception:
        logger.exception("could not wake the callback inbox of %s", schema_name)


def inbox_drain(schema_name: str, match_next: Callable[[], object | None]) -> int:
    """Match waiting callbacks with `match_next` until none is left; returns how many."""
    matched = 0
    with schema_context(schema_name):
        while True:
            while match_next() is not None:
                matched += 1
            redis_client().delete(_key(schema_name))
            # A row stored since the last match found the key set and woke nobody.
            if not inbox_waiting().exists():
                return matched
            if not _claim_wake(schema_name):
                return matched  # ...or it did, and that drain takes over


def inbox_revive(schema_name: str) -> None:
    """Minute check, inside `schema_name`: rows left waiting (a lost wake-up) get a drain."""
    if inbox_waiting().filter(received_at__lt=timezone.now() - REVIVE_AFTER).exists():
        logger.warning(
            "callbacks waited over %s in %s; waking the inbox", REVIVE_AFTER, schema_name
        )
        inbox_wake(schema_name, force=True)


def inbox_waiting():
    return PaymentCallback.objects.filter(outcome=CallbackOutcome.RECEIVED)


def _claim_wake(schema_name: str) -> bool:
    """True for the one caller that finds no drain queued or running (and now says there is)."""
    return bool(redis_client().set(_key(schema_name), "1", nx=True, ex=WAKE_TTL))


def _key(schema_name: str) -> str:
    return redis_key("billing", "inbox", schema_name)
