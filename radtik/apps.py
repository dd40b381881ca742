from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, with a site that knows which apps belong to the schema being viewed."""

    default_site = "radtik.admin_site.RadtikAdminSite"
