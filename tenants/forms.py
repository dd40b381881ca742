from django import forms

from tenants.models import Tenant


class TenantCreateForm(forms.ModelForm):
    admin_username = forms.CharField(initial="admin", max_length=150)
    admin_email = forms.EmailField(required=False)

    class Meta:
        model = Tenant
        fields = ["name", "slug", "contact_name", "contact_email", "contact_phone"]
