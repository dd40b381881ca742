from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, with a site that knows which apps belong to the schema being viewed."""

    default_site = "radtik.admin_site.RadtikAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin module
        from django.contrib import admin

        from radtik.admin_site import lock_third_party_admins

        lock_third_party_admins(admin.site)
