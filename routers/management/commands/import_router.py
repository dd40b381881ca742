"""Import IP pools / PPP secrets from a router: in the foreground with a progress bar, or queued."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from radtik.jobs.context import JobContext
from radtik.jobs.runner import run_in_foreground
from routers.choices import ImportWhat
from routers.models import Router
from routers.services import router_import_start
from tenants.selectors import tenant_for_command


class TerminalContext(JobContext):
    """The job's context, also drawing its progress as a bar on the terminal."""

    out = None

    def progress(self, stage: str, percent: int, message: str = "") -> None:
        super().progress(stage, percent, message)
        filled = percent * 30 // 100
        self.out.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {message[:50]:50}", ending=""
        )
        self.out.flush()


class Command(BaseCommand):
    help = "Import IP pools and/or PPP secrets from a router."

    def add_arguments(self, parser):
        parser.add_argument("--router", required=True, help="router name")
        parser.add_argument("--what", choices=ImportWhat.values, default=ImportWhat.ALL)
        parser.add_argument("--tenant", help="tenant slug (needed when there are several)")
        parser.add_argument("--queue", action="store_true", help="enqueue for the workers")

    def handle(self, *args, **options):
        tenant = tenant_for_command(options["tenant"])
        with schema_context(tenant.schema_name):
            router = Router.objects.filter(name=options["router"]).first()
            if router is None:
                raise CommandError(f"Unknown router '{options['router']}' in tenant {tenant.slug}")
            try:
                job = router_import_start(
                    router=router, what=options["what"], foreground=not options["queue"]
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            if options["queue"]:
                self.stdout.write(f"queued job {job.pk}")
                return
            context = TerminalContext(job=job, schema_name=tenant.schema_name)
            context.out = self.stdout
            outcome = run_in_foreground(job, context)
            job.refresh_from_db()
            self.stdout.write("")
            if outcome != "succeeded":
                raise CommandError(f"import failed: {job.error}")
            for menu, counts in job.result.items():
                self.stdout.write(
                    f"{menu}: {counts['imported']} imported, {counts['updated']} updated, "
                    f"{counts['unchanged']} unchanged, {counts['removed']} removed, "
                    f"{counts['failed']} failed"
                )
