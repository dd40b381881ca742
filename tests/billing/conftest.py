import pytest
from django_tenants.utils import schema_context

from billing.models import DarajaSettings, Package, Payment
from routers.models import Router


@pytest.fixture
def setup(tenants):
    """Daraja settings + a 50-shilling package in both tenants; a pending payment in each."""
    made = {}
    for schema in ("alpha", "beta"):
        with schema_context(schema):
            config = DarajaSettings.objects.create(
                shortcode="174379", passkey="p", consumer_key="k", consumer_secret="s"
            )
            router = Router.objects.create(
                name=f"{schema}-r1", host="127.0.0.1", api_username="admin", api_password="admin"
            )
            package = Package.objects.create(
                name="1 hour", price=50, validity_seconds=3600, router=router, rate_limit="2M/5M"
            )
            payment = Payment.objects.create(
                package=package,
                phone="254712345678",
                amount=50,
                checkout_request_id=f"ws_CO_{schema}_1",
            )
        made[schema] = {"config": config, "package": package, "payment": payment}
    return made
