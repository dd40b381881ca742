"""Apply a router's bootstrap script through the API with the router's admin credentials.

For routers radtik can already reach as admin (and for the demo's simulated routers): it does
what pasting the script would do, so probing finds the router.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from routers.models import Router
from routers.routeros.client import Credentials, RouterClient
from routers.routeros.errors import RouterError
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Apply a router's bootstrap script using its admin login."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--router", required=True)
        parser.add_argument("--admin-user", default="admin")
        parser.add_argument("--admin-password", required=True)

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant '{options['tenant']}'")
        with schema_context(tenant.schema_name):
            router = Router.objects.filter(name=options["router"]).first()
            if router is None:
                raise CommandError(f"Unknown router '{options['router']}'")
            credentials = Credentials(
                host=router.host,
                port=router.api_port,
                username=options["admin_user"],
                password=options["admin_password"],
                use_tls=router.use_tls,
                timeout=10,
            )
            try:
                with RouterClient.connect(credentials) as api:
                    api.set_singleton("/system/identity", name=router.name)
                    existing = api.find_by_name("/user", router.api_username)
                    if existing:
                        api.set("/user", existing[".id"], password=router.api_password)
                    else:
                        api.add(
                            "/user",
                            name=router.api_username,
                            group="full",
                            password=router.api_password,
                        )
            except RouterError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"bootstrap applied on {router.name} ({router.host}:{router.api_port})")
