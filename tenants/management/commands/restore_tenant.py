"""Restore one tenant from a backup_tenant file into this database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, tenant_restore


class Command(BaseCommand):
    help = "Restore a tenant written by backup_tenant (refused if it already exists here)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            tenant = tenant_restore(archive=Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"tenant {tenant.slug} restored (schema {tenant.schema_name})")
