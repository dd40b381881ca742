"""Create a tenant through the same background job as the admin and the API."""

import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from radtik.jobs.models import Job
from tenants import services


class Command(BaseCommand):
    help = "Create a tenant (schema, admin user, domain) as a background job."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-password", default="")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--contact-email", default="")
        parser.add_argument(
            "--no-wait", action="store_true", help="Return once queued (prints the job id)."
        )
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, **options):
        try:
            creation = services.tenant_create(
                name=options["name"] or options["slug"].title(),
                slug=options["slug"],
                admin_username=options["admin_username"],
                admin_password=options["admin_password"],
                admin_email=options["admin_email"],
                contact_email=options["contact_email"],
            )
        except ValidationError as exc:
            messages = [f"{k}: {' '.join(v)}" for k, v in getattr(exc, "message_dict", {}).items()]
            raise CommandError("; ".join(messages) or " ".join(exc.messages)) from None
        job = creation.job
        self.stdout.write(f"tenant {creation.tenant.slug}: job {job.pk} queued")
        self.stdout.write(
            f"admin {job.params['admin_username']} password {creation.admin_password}"
        )
        if options["no_wait"]:
            return
        deadline = time.monotonic() + options["timeout"]
        last = None
        while time.monotonic() < deadline:
            job = Job.objects.get(pk=job.pk)
            state = (job.status, job.stage, job.progress)
            if state != last:
                self.stdout.write(f"  {job.status} {job.stage} {job.progress}% {job.message}")
                last = state
            if job.is_finished:
                break
            time.sleep(0.3)
        else:
            raise CommandError(
                f"job {job.pk} still {job.status} after {options['timeout']:g} s: "
                "is a worker (manage.py qcluster) running?"
            )
        if job.status != "succeeded":
            raise CommandError(f"job {job.pk} {job.status}: {job.error}")
        self.stdout.write(f"ready: {job.result['domain']}")
        sys.stdout.flush()
