from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from radtik.admin_site import form_changes
from tenants.accounts.models import User
from tenants.accounts.services import user_create, user_delete, user_set_password, user_update

# Who is using the password page: Django's view builds the form without the request.
password_actor: ContextVar = ContextVar("password_actor", default=None)


class PasswordSetForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        password = (
            self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        )
        return user_set_password(user=self.user, password=password, actor=password_actor.get())


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Roles, not groups or per-user permissions, decide what a user may do."""

    list_display = ["username", "email", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("radtik", {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, ("radtik", {"fields": ["role"]})]
    readonly_fields = ["last_login", "date_joined"]
    change_password_form = PasswordSetForm

    def save_model(self, request, obj, form, change):
        if change:
            stored, fields = form_changes(form)
            user_update(user=stored, actor=request.user, **fields)
            return
        data = form.cleaned_data
        made = user_create(
            username=data["username"],
            password=data["password1"] if data["set_usable_password"] else None,
            role=data["role"],
            actor=request.user,
        )
        obj.pk = made.pk

    def save_related(self, request, form, formsets, change):
        pass  # no groups or permissions here

    def delete_model(self, request, obj):
        user_delete(user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(user=user, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        token = password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            password_actor.reset(token)
