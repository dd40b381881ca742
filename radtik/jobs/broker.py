"""Delayed delivery on django-q2's ORM broker.

django-q2's scheduler wakes about every 30 s and schedules at minute granularity, too coarse for
backoff delays and 10-second probing. The ORM broker hands out only rows whose `lock` is in the
past, so a row written with `lock = eta` stays invisible until `eta` and is then delivered within
one poll interval (0.2 s). Same table, same acknowledgement, no extra process.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task


class DelayedOrmBroker(ORM):
    def __init__(self, eta: datetime, list_key: str | None = None):
        self.eta = eta
        super().__init__(list_key=list_key)

    @staticmethod
    def get_connection(list_key: str | None = None):
        # The stock broker closes "old" connections here, which would drop the caller's
        # connection mid-request; enqueueing needs none of that.
        return OrmQ.objects.using(Conf.ORM)

    def enqueue(self, task: str) -> int:
        return self.get_connection().create(key=self.list_key, payload=task, lock=self.eta).pk


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
        "broker": DelayedOrmBroker(eta, list_key=queue or None),
    }
    if queue:
        options["cluster"] = queue
    async_task(func, *args, q_options=options)
