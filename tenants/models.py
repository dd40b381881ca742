from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from tenants.choices import SLUG_PATTERN, TenantStatus

slug_validator = RegexValidator(
    SLUG_PATTERN,
    "Use 3-30 lowercase letters, digits or hyphens, starting with a letter "
    "and not ending with a hyphen.",
)


class Tenant(TenantMixin):
    """An operator's business. Its data lives in the PostgreSQL schema `schema_name`."""

    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=30, unique=True, validators=[slug_validator])
    status = models.CharField(
        max_length=20, choices=TenantStatus.choices, default=TenantStatus.PROVISIONING
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The schema is created by a background job (tenants.services.tenant_provision), never on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]
