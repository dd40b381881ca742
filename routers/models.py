from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from encrypted_fields.fields import EncryptedCharField

from routers.choices import NAME_PATTERN, RouterStatus

name_validator = RegexValidator(
    NAME_PATTERN,
    "Use letters, digits, '.', '_' or '-' (up to 63, starting with a letter or digit): the name "
    "becomes the router's identity and its API user name.",
)


class Router(models.Model):
    name = models.CharField(max_length=63, unique=True, validators=[name_validator])
    host = models.CharField(max_length=255)
    api_port = models.PositiveIntegerField(
        default=8728, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    use_tls = models.BooleanField(default=False)
    api_username = models.CharField(max_length=100)
    api_password = EncryptedCharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=RouterStatus.choices, default=RouterStatus.CONFIG_PENDING
    )
    model = models.CharField(max_length=100, blank=True)
    board = models.CharField(max_length=100, blank=True)
    routeros_version = models.CharField(max_length=50, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    probe_interval = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1)], help_text="Seconds between probes."
    )
    probe_max_attempts = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    radius_server = models.ForeignKey(
        "radius.RadiusServer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportedItem(models.Model):
    """Common shape of what an import copies from a router: keyed by (router, name)."""

    router = models.ForeignKey(Router, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    router_id_on_device = models.CharField(max_length=20, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Gone from the router at the last import."
    )

    class Meta:
        abstract = True
        ordering = ["router", "name"]

    def __str__(self) -> str:
        return self.name


class IPPool(ImportedItem):
    # Ranges are kept as RouterOS writes them (a /16 is one line, not 65,000 rows); addresses
    # are expanded only by code that hands them out.
    ranges = models.TextField()
    next_pool = models.CharField(max_length=200, blank=True)

    class Meta(ImportedItem.Meta):
        verbose_name = "IP pool"
        constraints = [models.UniqueConstraint(fields=["router", "name"], name="ippool_per_router")]


class PPPProfile(ImportedItem):
    local_address = models.CharField(max_length=100, blank=True)
    remote_address = models.CharField(max_length=100, blank=True)
    rate_limit = models.CharField(max_length=100, blank=True)

    class Meta(ImportedItem.Meta):
        verbose_name = "PPP profile"
        constraints = [
            models.UniqueConstraint(fields=["router", "name"], name="pppprofile_per_router")
        ]


class PPPSecret(ImportedItem):
    password = EncryptedCharField(max_length=200, blank=True)
    service = models.CharField(max_length=20, blank=True)
    profile = models.CharField(max_length=200, blank=True)
    local_address = models.CharField(max_length=100, blank=True)
    remote_address = models.CharField(max_length=100, blank=True)
    disabled = models.BooleanField(default=False)
    comment = models.CharField(max_length=500, blank=True)
    moved_to_radius_at = models.DateTimeField(null=True, blank=True)
    # Where it was moved: its name is then taken in that server's username namespace.
    moved_to_radius_server = models.ForeignKey(
        "radius.RadiusServer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(ImportedItem.Meta):
        verbose_name = "PPP secret"
        constraints = [
            models.UniqueConstraint(fields=["router", "name"], name="pppsecret_per_router")
        ]
