"""The RADIUS server pages' forms: only the input's shape; radius.services holds the rules."""

from django import forms

from radius.models import RadiusServer

SERVER_FIELDS = ["name", "host", "auth_port", "acct_port", "api_base_url"]


class RadiusServerForm(forms.ModelForm):
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The agent's token. Empty: radtik makes one and shows it once.",
    )

    class Meta:
        model = RadiusServer
        fields = SERVER_FIELDS


class RadiusServerEditForm(forms.ModelForm):
    """The token is write-only: empty keeps the stored one."""

    auth_token = forms.CharField(
        required=False,
        label="New token",
        widget=forms.PasswordInput(render_value=False),
        help_text="Empty keeps the current token (it is never shown again).",
    )

    class Meta:
        model = RadiusServer
        fields = [*SERVER_FIELDS, "active"]

    def clean_auth_token(self) -> str:
        return self.cleaned_data["auth_token"] or self.instance.auth_token
