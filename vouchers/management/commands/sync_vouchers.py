"""Re-sync vouchers to RADIUS: a batch's failed ones, a whole batch, or all of a server."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from radius.models import RadiusServer
from tenants.selectors import tenant_for_command
from vouchers import services
from vouchers.models import VoucherBatch


class Command(BaseCommand):
    help = "Queue voucher syncs: --batch B [--failed], --server S, or --reconcile with --server."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="tenant slug (needed when there are several)")
        parser.add_argument("--batch", type=int)
        parser.add_argument("--failed", action="store_true", help="only the failed vouchers")
        parser.add_argument("--server", help="RADIUS server name: re-send all its vouchers")
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="with --server: compare with the agent and repair what differs",
        )

    def handle(self, *args, **options):
        if not (options["batch"] or options["server"]):
            raise CommandError("Say what to sync: --batch B [--failed] or --server S")
        tenant = tenant_for_command(options["tenant"])
        with schema_context(tenant.schema_name):
            try:
                jobs = self._queue(options)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        for job in jobs:
            self.stdout.write(f"queued job {job.pk} ({job.kind} {job.target_repr})")

    def _queue(self, options):
        if options["batch"]:
            batch = VoucherBatch.objects.filter(pk=options["batch"]).first()
            if batch is None:
                raise CommandError(f"Unknown batch {options['batch']}")
            return [services.batch_sync(batch=batch, only_failed=options["failed"])]
        server = RadiusServer.objects.filter(name=options["server"]).first()
        if server is None:
            raise CommandError(f"Unknown RADIUS server '{options['server']}'")
        if options["reconcile"]:
            return [services.server_reconcile(server=server)]
        return services.server_resync(server=server)
