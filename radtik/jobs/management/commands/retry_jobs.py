"""Retry failed jobs, across tenants or in one."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from radtik.jobs.choices import JobStatus
from radtik.jobs.models import Job
from radtik.jobs.services import job_retry
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Queue failed jobs again. Choose them with --kind/--tenant, or --all-failed."

    def add_arguments(self, parser):
        parser.add_argument("--kind", default="")
        parser.add_argument("--tenant", default="", help="tenant slug ('public' for platform)")
        parser.add_argument("--all-failed", action="store_true")
        parser.add_argument("--job", type=int, help="one job id (needs --tenant)")

    def handle(self, *args, **options):
        if not (options["kind"] or options["tenant"] or options["all_failed"] or options["job"]):
            raise CommandError("Say which jobs: --kind K, --tenant T, --job N or --all-failed")
        if options["job"] and not options["tenant"]:
            raise CommandError("--job needs --tenant")
        schemas = self._schemas(options["tenant"])
        total = 0
        for schema in schemas:
            with schema_context(schema):
                jobs = Job.objects.filter(status=JobStatus.FAILED)
                if options["kind"]:
                    jobs = jobs.filter(kind=options["kind"])
                if options["job"]:
                    jobs = jobs.filter(pk=options["job"])
                for job in jobs:
                    job_retry(job=job)
                    total += 1
                    self.stdout.write(f"{schema}: job {job.pk} ({job.kind}) queued again")
        self.stdout.write(f"{total} job(s) queued again")

    def _schemas(self, slug: str) -> list[str]:
        if slug == "public":
            return [get_public_schema_name()]
        if slug:
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                raise CommandError(f"Unknown tenant '{slug}'")
            return [tenant.schema_name]
        return [
            get_public_schema_name(),
            *Tenant.objects.exclude(schema_name=get_public_schema_name())
            .filter(status__in=["active", "suspended"])
            .values_list("schema_name", flat=True),
        ]
