"""Demo data for `make run`: the demo tenant's RADIUS server (the local agent) and a profile."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from radius.models import RadiusServer
from radius.services import radius_server_create, radius_server_update
from tenants.models import Tenant
from vouchers.models import VoucherProfile
from vouchers.services import profile_create


class Command(BaseCommand):
    help = "Idempotently add the demo RADIUS server and voucher profile to a tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="acme")
        parser.add_argument("--agent-url", required=True)
        parser.add_argument("--agent-token", required=True)
        parser.add_argument(
            "--daraja-url", default="", help="A Daraja simulator: M-Pesa settings and a package."
        )

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant '{options['tenant']}'")
        with schema_context(tenant.schema_name):
            server = RadiusServer.objects.filter(name="demo-radius").first()
            if server is None:
                radius_server_create(
                    name="demo-radius",
                    host="127.0.0.1",
                    api_base_url=options["agent_url"],
                    token=options["agent_token"],
                )
            else:  # a demo restarted its agent on another port or token
                radius_server_update(
                    server=server,
                    api_base_url=options["agent_url"],
                    auth_token=options["agent_token"],
                )
            if not VoucherProfile.objects.exists():
                profile_create(
                    name="1 hour", time_limit=3600, rate_limit="2M/5M", data_limit=1024**3, price=20
                )
            if options["daraja_url"]:
                self._payments(options["daraja_url"])
        self.stdout.write("demo data ready")

    def _payments(self, daraja_url: str) -> None:
        """The simulator's credentials, and one package sold through the demo RADIUS server."""
        from billing.models import DarajaSettings, Package
        from billing.mpesa.simulator import DEFAULT_CREDENTIALS as SIM
        from billing.services import daraja_settings_save, package_create

        if not DarajaSettings.objects.exists():
            daraja_settings_save(
                shortcode=SIM.shortcode,
                passkey=SIM.passkey,
                consumer_key=SIM.consumer_key,
                consumer_secret=SIM.consumer_secret,
                base_url=daraja_url,
            )
        else:
            daraja_settings_save(base_url=daraja_url)
        if not Package.objects.exists():
            package_create(
                name="1 hour",
                price=10,
                validity_seconds=3600,
                time_limit=3600,
                rate_limit="2M/5M",
                radius_server=RadiusServer.objects.get(name="demo-radius"),
            )
