"""Back up one tenant: its schema (pg_dump) and its public rows, in one file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, tenant_backup
from tenants.selectors import tenant_for_command


class Command(BaseCommand):
    help = "Write one tenant's schema and public rows to a file (restore with restore_tenant)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--out", help="The file to write (default: <slug>.radtik-backup).")

    def handle(self, *args, **options):
        tenant = tenant_for_command(options["slug"])
        out = Path(options["out"] or f"{tenant.slug}.radtik-backup")
        try:
            tenant_backup(tenant=tenant, out=out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"tenant {tenant.slug} written to {out}")
