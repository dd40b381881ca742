from django import forms

from tenants.models import Tenant
from tenants.services import SETTINGS_FIELDS


class TenantCreateForm(forms.ModelForm):
    admin_username = forms.CharField(initial="admin", max_length=150)
    admin_email = forms.EmailField(required=False)

    class Meta:
        model = Tenant
        fields = ["name", "slug", "contact_name", "contact_email", "contact_phone"]


class TenantSettingsForm(forms.ModelForm):
    """The account's settings page (tenants.services.SETTINGS_FIELDS)."""

    class Meta:
        model = Tenant
        fields = list(SETTINGS_FIELDS)
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}),
        }
