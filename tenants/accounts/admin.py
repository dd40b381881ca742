from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tenants.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("radtik", {"fields": ["role"]})]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, ("radtik", {"fields": ["role"]})]
