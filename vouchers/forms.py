"""The voucher pages' forms: only the shape of the input; the rules live in vouchers.services."""

from __future__ import annotations

from django import forms

from radius.models import RadiusServer
from vouchers.choices import MAX_BATCH
from vouchers.models import PROFILE_FIELDS, VoucherProfile
from vouchers.sheets import LAYOUTS


class BatchCreateForm(forms.Form):
    profile = forms.ModelChoiceField(queryset=VoucherProfile.objects.all(), empty_label=None)
    radius_server = forms.ModelChoiceField(
        queryset=RadiusServer.objects.filter(active=True),
        empty_label=None,
        label="RADIUS server",
        to_field_name="name",
    )
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_BATCH,
        initial=50,
        help_text=f"How many vouchers (1 to {MAX_BATCH:,}).",
        error_messages={
            "min_value": "Make at least 1 voucher.",
            "max_value": f"At most {MAX_BATCH:,} vouchers per batch.",
        },
    )
    prefix = forms.RegexField(
        regex=r"^[A-Za-z0-9]{0,10}$",
        required=False,
        help_text="Up to 10 letters or digits put before each code.",
        error_messages={"invalid": "Use up to 10 letters or digits, no spaces."},
    )
    code_length = forms.IntegerField(
        min_value=6,
        max_value=16,
        initial=8,
        help_text="Characters after the prefix (6 to 16).",
        error_messages={
            "min_value": "Codes need at least 6 characters.",
            "max_value": "Codes have at most 16 characters.",
        },
    )
    separate_password = forms.BooleanField(
        required=False, help_text="Print a password beside each code."
    )
    note = forms.CharField(max_length=200, required=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = VoucherProfile
        fields = PROFILE_FIELDS
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}


class SheetForm(forms.Form):
    layout = forms.ChoiceField(choices=[(key, layout.label) for key, layout in LAYOUTS.items()])
    qr = forms.BooleanField(required=False, initial=True, label="QR codes")
