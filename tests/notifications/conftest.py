import pytest
from django_tenants.utils import schema_context

from radtik.notifications.models import SmsSettings
from tenants.models import Tenant

SETTINGS_DEFAULTS = {
    "notification_language": "en",
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "sms_monthly_budget": None,
    "router_down_minutes": 5,
    "alert_window_minutes": 60,
}


@pytest.fixture
def tenant_settings(django_db_setup, django_db_blocker):
    """Set alpha's notification settings for a test; put the defaults back after it (the
    tenants' rows outlive every test)."""

    def apply(**fields):
        with django_db_blocker.unblock():
            Tenant.objects.filter(slug="alpha").update(**fields)

    yield apply
    apply(**SETTINGS_DEFAULTS)


@pytest.fixture
def sms_account(at_sim, tenants):
    """alpha's SMS settings, pointing at the Africa's Talking simulator."""
    with schema_context("alpha"):
        SmsSettings.objects.create(
            username=at_sim.username, api_key=at_sim.api_key, base_url=at_sim.base_url
        )
    return at_sim
