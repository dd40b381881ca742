"""The Users page's forms: only the input's shape; tenants.accounts.services holds the rules."""

from django import forms

from tenants.accounts.models import Role

PASSWORD_HELP = "Empty: radtik makes one. Shown once, after saving."


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.OPERATOR)
    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text=PASSWORD_HELP
    )


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class UserPasswordForm(forms.Form):
    password = forms.CharField(
        required=False,
        label="New password",
        widget=forms.PasswordInput(render_value=False),
        help_text=PASSWORD_HELP,
    )
