"""The router pages' forms: only the input's shape; routers.services holds the rules."""

from django import forms

from radius.models import RadiusServer
from routers.models import Router
from routers.services import EDITABLE


class RouterCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Becomes the router's identity.")
    host = forms.CharField(max_length=255, help_text="Address radtik reaches the API on.")
    api_port = forms.IntegerField(required=False, help_text="Empty: 8728, or 8729 with TLS.")
    use_tls = forms.BooleanField(required=False, label="API over TLS (api-ssl)")


class RouterEditForm(forms.ModelForm):
    class Meta:
        model = Router
        fields = list(EDITABLE)
        labels = {"host": "Host (API address)", "use_tls": "API over TLS (api-ssl)"}
        help_texts = {
            "name": "The name in radtik. The router's own identity and API user keep the first "
            "name: set /system identity to match (sessions are matched by address too).",
            "radius_server": "Where its users log in; applied at the next deployment.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["radius_server"].queryset = RadiusServer.objects.filter(active=True)

    def _post_clean(self) -> None:
        """No model validation on the form: router_update validates the row as it would be saved
        and says a taken name or address beside its field (Django would put the case-blind
        name constraint's error on top of the form)."""
