"""The callback inbox: a callback request only stores its body; the payments cluster matches it.

Matching a callback to its payment takes a lock per CheckoutRequestID, the payment's row lock, a
receipt check, an audit entry and the ProcessPayment job with its events: two thirds of what a
callback cost when the request did it. Done by a drain in the payments cluster instead, the
request is one INSERT, so a burst of callbacks is answered as fast as Daraja sends them
(bench/payments_callback.py) while the matching follows, in arrival order, right behind: many
rows per transaction, matched together (one statement per step for the batch), their
ProcessPayment Jobs settled in batches too (radtik.jobs.batch).

Matching waits behind a burst (intake_busy): while callbacks pour in at INTAKE_BUSY a second or
more, the drain sleeps, for INTAKE_MAX_PAUSE seconds at most. On a shared host the requests
then keep the cores, and the burst is settled right after it at the cores' full rate.

Wake-ups coalesce: a Redis key per schema says a drain is queued or running. The callback that
sets it hands a drain over; the others only store their row. A drain clears the key before its
last look for rows, so a row stored during the drain is either seen by that look or wakes a new
drain. A dead drain holds the key for WAKE_TTL seconds at most and the broker hands its task out
again; the minute check (`inbox_revive`) wakes any schema whose rows have waited too long.
Concurrent drains are harmless: each takes rows the others have not locked.

One bad row never holds up the rows behind it: a row whose matching raises is counted and skipped
for the rest of that drain; a later drain tries it again, and after MAX_ATTEMPTS failed drains it
is set aside as "needs attention" (QUARANTINED) for the operator to retry
(`payment_callback_retry`).

Requests without the right secret are not stored: a counter per schema (REFUSED_TTL) says how
many came, for the callbacks page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.choices import CALLBACKS_TOPIC, PAYMENTS_QUEUE, CallbackOutcome
from billing.models import PaymentCallback
from radtik.events import publish
from radtik.jobs.broker import hand_over
from radtik.logs import log_context
from radtik.redis_client import redis_client, redis_key
from radtik.tenancy import current_tenant_id

logger = logging.getLogger(__name__)

DRAIN = "billing.tasks.callbacks_drain"
DRAIN_TIMEOUT = 300  # s for one drain task; a longer backlog is finished by the next drain
WAKE_TTL = 60  # s a dead drain can hold back wake-ups
REVIVE_AFTER = timedelta(seconds=30)  # a row waiting this long gets a drain from the minute check
MAX_ATTEMPTS = 3  # failed drains before a row is set aside as needing attention
BATCH = 200  # rows matched per transaction: a burst is matched at several times the rate
INTAKE_BUSY = 50  # callbacks a second into one inbox: a burst, which matching waits behind
INTAKE_WINDOW = 1.0  # s the rate is judged over
INTAKE_STEP = 0.25  # s between two looks during a pause
INTAKE_MAX_PAUSE = 25.0  # s one drain waits behind bursts at most
REFUSED_TTL = 86400  # s: the refused-requests counter covers about the last day


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
                queue=PAYMENTS_QUEUE,
                save=False,
            )
    except Exception:
        logger.exception("could not wake the callback inbox of %s", schema_name)


def inbox_drain(schema_name: str, match: Callable[[list[PaymentCallback]], object]) -> int:
    """Match waiting callbacks with `match` (given a batch, called inside the transaction that
    holds their row locks) until none is left; returns how many were matched."""
    matched = 0
    failed: set[int] = set()
    paused = 0.0  # s this drain waited behind bursts
    with schema_context(schema_name), log_context(tenant=schema_name):
        while True:
            while True:
                paused = _wait_out_burst(paused)
                if (taken := _take_batch(match, failed)) is None:
                    break
                matched += taken
            redis_client().delete(_key(schema_name))
            # A row stored since the last match found the key set and woke nobody.
            if not inbox_waiting().exclude(pk__in=failed).exists():
                return matched
            if not _claim_wake(schema_name):
                return matched  # ...or it did, and that drain takes over


def intake_busy(now: datetime | None = None) -> bool:
    """Whether callbacks are pouring in: INTAKE_BUSY a second or more stored over the
    INTAKE_WINDOW before `now` (by their received_at; this host's clock against the web's, as
    NTP keeps them: a skew only lengthens or shortens a pause)."""
    now = now or timezone.now()
    recent = PaymentCallback.objects.filter(
        received_at__gte=now - timedelta(seconds=INTAKE_WINDOW), received_at__lte=now
    ).count()  # an index range (billing_callback_list)
    return recent >= INTAKE_BUSY * INTAKE_WINDOW


def _wait_out_burst(paused: float) -> float:
    """Sleep while a burst arrives, `paused` seconds of this drain's INTAKE_MAX_PAUSE being
    spent already; how long this drain has paused now. On a shared host each match and
    settlement takes CPU from the requests: a burst is answered at full speed and settled right
    behind it at the cores' full rate."""
    while paused < INTAKE_MAX_PAUSE and intake_busy():
        time.sleep(INTAKE_STEP)
        paused += INTAKE_STEP
    return paused


def _take_batch(match: Callable[[list[PaymentCallback]], object], failed: set[int]) -> int | None:
    """Match the oldest waiting rows (not failed in this drain), up to BATCH in one transaction:
    all at once, or, should that fail, each alone with a savepoint each. How many were matched,
    None when no row waits. A row whose matching fails alone is counted and left for a later
    drain. Concurrent drains take different rows."""
    with transaction.atomic():
        callbacks = list(
            inbox_waiting()
            .exclude(pk__in=failed)
            .select_for_update(skip_locked=True)
            .order_by("id")[:BATCH]
        )  # an error here (the inbox cannot be read) is the drain's: the broker retries it
        if not callbacks:
            return None
        if len(callbacks) > 1:
            try:
                with transaction.atomic():
                    match(callbacks)
                return len(callbacks)
            except Exception as exc:
                logger.warning(
                    "Matching %s callbacks at once failed, each alone now: %s", len(callbacks), exc
                )
                # The batch's writes are undone; its rows are read afresh for each alone.
                callbacks = list(
                    PaymentCallback.objects.filter(pk__in=[c.pk for c in callbacks]).order_by("id")
                )
        matched = 0
        for callback in callbacks:
            try:
                with transaction.atomic():
                    match([callback])
                matched += 1
            except Exception as exc:
                failed.add(callback.pk)
                _count_failure(callback, exc)
        return matched


def _count_failure(callback: PaymentCallback, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    logger.error(
        "callback #%s could not be matched (attempt %s of %s): %s",
        callback.pk,
        callback.attempts + 1,
        MAX_ATTEMPTS,
        error,
        exc_info=exc,
    )
    updated = PaymentCallback.objects.filter(
        pk=callback.pk, outcome=CallbackOutcome.RECEIVED
    ).update(
        attempts=F("attempts") + 1,
        error=error,
        outcome=Case(
            When(attempts__gte=MAX_ATTEMPTS - 1, then=Value(CallbackOutcome.QUARANTINED)),
            default=Value(CallbackOutcome.RECEIVED),
        ),
    )
    if updated and callback.attempts + 1 >= MAX_ATTEMPTS:
        # Set aside: operators (and the notifications listening) hear it needs attention.
        publish(
            current_tenant_id(),
            CALLBACKS_TOPIC,
            "callback.quarantined",
            {"id": callback.pk, "attempts": callback.attempts + 1, "error": error},
        )


def inbox_revive(schema_name: str) -> None:
    """Minute check, inside `schema_name`: rows left waiting (a lost wake-up) get a drain."""
    if inbox_waiting().filter(received_at__lt=timezone.now() - REVIVE_AFTER).exists():
        logger.warning(
            "callbacks waited over %s in %s; waking the inbox", REVIVE_AFTER, schema_name
        )
        inbox_wake(schema_name, force=True)


def inbox_waiting():
    return PaymentCallback.objects.filter(outcome=CallbackOutcome.RECEIVED)


def inbox_refused_count(schema_name: str) -> int | None:
    """Requests refused in `schema_name` over about the last day; None when Redis cannot say."""
    try:
        return int(redis_client().get(_refused_key(schema_name)) or 0)
    except Exception:
        logger.exception("could not read the refused-callbacks counter of %s", schema_name)
        return None


def inbox_refused_add(schema_name: str) -> None:
    """Count a refused request (never raises: a counter is not worth a failed answer)."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.set(_refused_key(schema_name), 0, ex=REFUSED_TTL, nx=True)  # a new day's counter
        pipe.incr(_refused_key(schema_name))
        pipe.execute()
    except Exception:
        logger.exception("could not count a refused callback in %s", schema_name)


def _claim_wake(schema_name: str) -> bool:
    """True for the one caller that finds no drain queued or running (and now says there is)."""
    return bool(redis_client().set(_key(schema_name), "1", nx=True, ex=WAKE_TTL))


def _key(schema_name: str) -> str:
    return redis_key("billing", "inbox", schema_name)


def _refused_key(schema_name: str) -> str:
    return redis_key("billing", "refused", schema_name)
