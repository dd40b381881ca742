"""Data that grows, pruned: each app declares what it keeps and for how long (a Tenant setting,
in days), and one periodic Job per tenant and one in public (radtik.jobs.tasks.PruneOldData, on
the public tenant's settings and only the tables public has) deletes what is older.

Deletes go in batches of BATCH rows by primary key, each its own statement, so no delete holds
locks on a large table for long, and a run stops after RUN_SECONDS, leaving the rest to the next
run (the rule says how much is left). Each rule's rows are found through an index on the column
it cuts by; the plumbing names no app: apps register their rules in their tasks.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

BATCH = 5000
RUN_SECONDS = 60.0


@dataclass(frozen=True, kw_only=True)
class RetentionRule:
    """`rows(cutoff)`: what may go once older than the tenant's `days_setting` days."""

    name: str
    days_setting: str  # a Tenant field, listed in tenants.services.SETTINGS_FIELDS
    rows: Callable[[datetime], QuerySet]


_RULES: list[RetentionRule] = []


def retention_register(rule: RetentionRule) -> None:
    _RULES.append(rule)


def retention_rules() -> list[RetentionRule]:
    return list(_RULES)


def _delete_batch(rows: QuerySet) -> int:
    """One batch of ids (found through the rule's index), deleted in one commit."""
    ids = list(rows.values_list("pk", flat=True)[:BATCH])
    if not ids:
        return 0
    with transaction.atomic():
        # Through the ORM, so rows that refer to these (a job's log lines) go in the same commit.
        rows.model._default_manager.filter(pk__in=ids).delete()
    return len(ids)


def _in_public(rule: RetentionRule) -> bool:
    """Whether the rule's table is also in the public schema (its app is a shared one)."""
    app = rule.rows(timezone.now()).model._meta.app_config.name
    return app in settings.SHARED_APPS


def retention_prune(
    *, now: datetime | None = None, run_seconds: float = RUN_SECONDS
) -> dict[str, Any]:
    """In the current tenant's schema: delete each rule's rows older than its setting. Returns
    per rule the rows deleted and whether some are left for the next run."""
    from tenants.models import Tenant

    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    now = now or timezone.now()
    deadline = time.monotonic() + run_seconds
    done: dict[str, Any] = {}
    public = connection.schema_name == get_public_schema_name()
    for rule in _RULES:
        if public and not _in_public(rule):
            continue  # that table exists in tenant schemas only
        cutoff = now - timedelta(days=getattr(tenant, rule.days_setting))
        deleted, left = 0, False
        while True:
            count = _delete_batch(rule.rows(cutoff))
            deleted += count
            if count < BATCH:
                break
            if time.monotonic() > deadline:
                left = True
                break
        done[rule.name] = {"deleted": deleted, "older_than": cutoff.isoformat(), "more": left}
    return done
