"""Demo data for `make run`: the demo tenant's RADIUS server (the local agent) and a profile."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from radius.models import RadiusServer
from radius.services import radius_server_create, radius_server_update
from tenants.models import Tenant
from vouchers.models import VoucherProfile
from vouchers.services import profile_create, profile_update

# One hour costs the same on a printed voucher as at the portal.
DEMO_PRICE = 10


class Command(BaseCommand):
    help = "Idempotently add the demo RADIUS server and voucher profile to a tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="acme")
        parser.add_argument("--agent-url", required=True)
        parser.add_argument("--agent-token", required=True)
        parser.add_argument("--radius-auth-port", type=int, default=1812)
        parser.add_argument("--radius-acct-port", type=int, default=1813)
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
                    auth_port=options["radius_auth_port"],
                    acct_port=options["radius_acct_port"],
                )
            else:  # a demo restarted its agent (or FreeRADIUS) on other ports or a new token
                radius_server_update(
                    server=server,
                    api_base_url=options["agent_url"],
                    auth_token=options["agent_token"],
                    auth_port=options["radius_auth_port"],
                    acct_port=options["radius_acct_port"],
                )
            profile = VoucherProfile.objects.filter(name="1 hour").first()
            if profile is None and not VoucherProfile.objects.exists():
                profile_create(
                    name="1 hour",
                    time_limit=3600,
                    rate_limit="2M/5M",
                    data_limit=1024**3,
                    price=DEMO_PRICE,
                )
            elif profile is not None and profile.price == 20:  # what earlier demos set
                profile_update(profile=profile, price=DEMO_PRICE)
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
                price=DEMO_PRICE,
                validity_seconds=3600,
                time_limit=3600,
                rate_limit="2M/5M",
                radius_server=RadiusServer.objects.get(name="demo-radius"),
            )
