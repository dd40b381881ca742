"""django-q2's ORM broker, woken on enqueue by PostgreSQL NOTIFY, with delayed delivery.

Wake-up: the stock ORM broker polls its table every `poll` s (0.2 s, 0.05 s for payments): a
task waited half a poll on average to start, and idle clusters kept querying. The table stays
the source of truth (acknowledged delivery as before); an enqueue also sends NOTIFY on the
queue's channel in the enqueuer's transaction, so PostgreSQL delivers it exactly when the row
becomes visible, and an idle pusher waits on LISTEN instead of sleeping. A lost wake-up (the
listening connection dropped) is caught by the poll, now long (Q_CLUSTER's `poll`) since it is
only the safety net.

Delay: django-q2's scheduler wakes about every 30 s and schedules at minute granularity, too
coarse for backoff delays and 10-second probing. The broker hands out only rows whose `lock` is
in the past, so a row written with `lock = eta` stays invisible until `eta`; a waiting pusher
wakes at the earliest such `lock`. Same table, same acknowledgement, no extra process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.db import connections
from django.db.models import Min
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

logger = logging.getLogger("radtik.jobs")


class WakingOrmBroker(ORM):
    """Q_CLUSTER's broker_class: the ORM broker, NOTIFY on enqueue, LISTEN when idle."""

    _listener: psycopg.Connection | None = None
    _listener_pid = 0

    def enqueue(self, task: str) -> int:
        pk = super().enqueue(task)
        self.notify()
        return pk

    def notify(self) -> None:
        """Wake the queue's pusher once the caller's transaction commits (NOTIFY is
        transactional: never before the row is visible, never for a row rolled back)."""
        with connections[Conf.ORM].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [channel(self.list_key)])

    def dequeue(self) -> list[tuple[int, str]] | None:
        now = timezone.now()
        tasks = list(self.get_connection().filter(key=self.list_key, lock__lt=now)[: Conf.BULK])
        claimed = [
            (task.pk, task.payload)
            for task in tasks
            # Another cluster may have been faster on that row.
            if self.get_connection()
            .filter(id=task.id, lock=task.lock)
            .update(lock=self.timeout(task))
        ]
        if claimed:
            return claimed
        if not tasks:
            self._wait(now)
        return None

    def _wait(self, now: datetime) -> None:
        """Until a NOTIFY, the earliest delayed row's time or the poll, whichever comes first."""
        timeout = float(Conf.POLL)
        upcoming = (
            self.get_connection()
            .filter(key=self.list_key, lock__gt=now)
            .aggregate(at=Min("lock"))["at"]
        )
        if upcoming is not None:
            timeout = min(timeout, (upcoming - now).total_seconds() + 0.001)
        try:
            listener = self._listen()
            for _ in listener.notifies(timeout=max(0.0, timeout), stop_after=1):
                pass
            for _ in listener.notifies(timeout=0):  # the burst's other wake-ups: one look
                pass
        except psycopg.Error:
            logger.warning("queue %s: lost its LISTEN connection; polling", self.list_key)
            self._close_listener()
            time.sleep(max(0.0, timeout))

    def _listen(self) -> psycopg.Connection:
        # Per process: the sentinel makes the broker and forks the pusher that uses it.
        if self._listener is None or self._listener_pid != os.getpid() or self._listener.closed:
            params = connections[Conf.ORM].get_connection_params()
            params.pop("context", None)
            params.pop("cursor_factory", None)
            listener = psycopg.connect(**params, autocommit=True)
            listener.execute(f'LISTEN "{channel(self.list_key)}"')
            self._listener, self._listener_pid = listener, os.getpid()
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None and self._listener_pid == os.getpid():
            try:
                self._listener.close()
            except psycopg.Error:
                pass
        self._listener = None


def channel(list_key: str | None) -> str:
    """The queue's NOTIFY channel (an identifier: at most 63 bytes, quoted)."""
    key = list_key or Conf.CLUSTER_NAME
    return "radtik_q_" + hashlib.sha1(key.encode()).hexdigest()[:16]


class DelayedOrmBroker(WakingOrmBroker):
    def __init__(self, eta: datetime, list_key: str | None = None):
        self.eta = eta
        super().__init__(list_key=list_key)

    @staticmethod
    def get_connection(list_key: str | None = None):
        # The stock broker closes "old" connections here, which would drop the caller's
        # connection mid-request; enqueueing needs none of that.
        return OrmQ.objects.using(Conf.ORM)

    def enqueue(self, task: str) -> int:
        pk = self.get_connection().create(key=self.list_key, payload=task, lock=self.eta).pk
        self.notify()  # a waiting pusher wakes now, or at `eta` for a later one
        return pk


def hand_over(
    func: str,
    *args: object,
    name: str,
    timeout: int,
    delay: float = 0,
    queue: str = "",
    save: bool = True,
) -> None:
    """The one way work reaches a django-q2 cluster: at once, or `delay` s from now.

    `queue` names an ALT cluster ("" = the default one); `save=False` keeps no result row
    (ticks that run every second would only churn the task table).
    """
    # Our broker also for "at once": the stock one closes the caller's connection first when it
    # is "old", which with a pool (CONN_MAX_AGE 0) is always, so every hand-over reconnected.
    eta = timezone.now() + timedelta(seconds=delay)
    options: dict[str, object] = {
        "timeout": timeout,
        "task_name": name,
        "save": save,
        # Named even for the default cluster: django-q2 would take the current process's cluster
        # instead, so work a payments worker hands over (receipts, router users) stayed there.
        "broker": DelayedOrmBroker(eta, list_key=queue or settings.Q_CLUSTER["name"]),
    }
    if queue:
        options["cluster"] = queue
    async_task(func, *args, q_options=options)
