"""Prepare the public schema: shared migrations, the public tenant and its domains, a system admin.

Idempotent: a second run changes nothing.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from radtik.jobs.periodic import ensure_schedules
from tenants.accounts.models import User
from tenants.accounts.services import user_create
from tenants.schema_template import spare_prepare, template_ensure
from tenants.services import platform_tenant_ensure


class Command(BaseCommand):
    help = "Migrate the public schema and create the public tenant and a system admin."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="")
        parser.add_argument("--admin-password", default="")
        parser.add_argument("--admin-email", default="")

    def handle(self, *args, **options):
        username, password = options["admin_username"], options["admin_password"]
        if username:
            if not password:
                raise CommandError("--admin-password is required with --admin-username")
            try:
                validate_password(password, User(username=username, email=options["admin_email"]))
            except ValidationError as exc:
                raise CommandError("--admin-password: " + " ".join(exc.messages)) from None
        # Shared apps first, then every existing tenant schema (a no-op when up to date).
        call_command("migrate_schemas", interactive=False, verbosity=0)
        template_ensure()  # new tenants are cloned from it: the first one after an upgrade too
        spare_prepare()  # and the first one is a rename of a copy made now
        platform_tenant_ensure(
            domains={settings.BASE_DOMAIN, "127.0.0.1"}, primary=settings.BASE_DOMAIN
        )
        if username and not User.objects.filter(username=username).exists():
            user_create(
                username=username,
                password=password,
                email=options["admin_email"],
                is_staff=True,
                is_superuser=True,
            )
        ensure_schedules()
        self.stdout.write(f"public schema ready at {settings.BASE_DOMAIN}")
