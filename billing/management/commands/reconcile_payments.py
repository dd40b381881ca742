"""Resolve pending M-Pesa payments by STK query, now, for one tenant or all of them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from billing.services import payments_reconcile_enqueue
from radtik.jobs.context import JobContext
from radtik.jobs.runner import run_in_foreground
from tenants.models import Tenant
from tenants.selectors import tenant_schemas_active


class Command(BaseCommand):
    help = "STK-query pending M-Pesa payments older than --older-than minutes and settle them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="Tenant schema (default: every active tenant)")
        parser.add_argument(
            "--older-than",
            type=float,
            default=3.0,
            help="Minutes a payment must have been pending (default 3)",
        )

    def handle(self, *args, tenant=None, older_than=3.0, **options) -> None:
        schemas = (
            list(
                Tenant.objects.exclude(schema_name=get_public_schema_name())
                .filter(schema_name=tenant)
                .values_list("schema_name", flat=True)
            )
            if tenant
            else tenant_schemas_active()
        )
        if tenant and not schemas:
            raise CommandError(f"No tenant with schema {tenant!r}")
        for schema in schemas:
            with schema_context(schema):
                job = payments_reconcile_enqueue(
                    older_than_seconds=older_than * 60, foreground=True
                )
                outcome = run_in_foreground(job, JobContext(job=job, schema_name=schema))
                job.refresh_from_db()
                self.stdout.write(f"{schema}: {outcome} {job.result or job.error}")
