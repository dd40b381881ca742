"""The Daraja settings form, shared by the operator page and the Django admin.

Credentials are write-only: the form never renders a stored value back to the browser, and an
empty credential field keeps what is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms

from billing.models import PACKAGE_FIELDS, PORTAL_FIELDS, DarajaSettings, Package, PortalSettings

SECRET_FIELDS = ("passkey", "consumer_key", "consumer_secret")


class DarajaSettingsForm(forms.ModelForm):
    passkey = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    consumer_key = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    consumer_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = DarajaSettings
        fields = [
            "environment",
            "shortcode",
            "transaction_type",
            "party_b",
            "passkey",
            "consumer_key",
            "consumer_secret",
            "account_reference",
            "callback_base_url",
            "enforce_ip_allowlist",
            "hotspot_login_url",
            "base_url",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].help_text = (
                "Stored. Leave empty to keep it." if stored else "Required."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if cleaned.get(name):
                continue
            if self.instance.pk and getattr(self.instance, name):
                cleaned[name] = getattr(self.instance, name)  # keep the stored value
            else:
                self.add_error(name, "Required.")
        return cleaned

    def changed_settings(self) -> dict[str, Any]:
        """What the service should write: every field, credentials only when typed in."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in SECRET_FIELDS or self.data.get(self.add_prefix(name))
        }


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = PACKAGE_FIELDS


class PortalSettingsForm(forms.ModelForm):
    """The portal's look; the logo is checked by the service (type by its bytes, size)."""

    logo = forms.FileField(
        required=False, help_text="PNG, JPEG, GIF or WebP, up to 200 KB; shown above the title."
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = PortalSettings
        fields = PORTAL_FIELDS
        widgets = {
            "accent_colour": forms.TextInput(attrs={"type": "color"}),
            "background_colour": forms.TextInput(attrs={"type": "color"}),
            "packages": forms.CheckboxSelectMultiple,
        }

    def changed_settings(self) -> dict[str, Any]:
        """What the service takes: the changed fields, the uploaded logo, a removal."""
        data = self.cleaned_data
        changed = {name: data[name] for name in self.changed_data if name in PORTAL_FIELDS}
        return {**changed, "logo": data.get("logo"), "remove_logo": data.get("remove_logo")}
