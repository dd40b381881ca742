import ipaddress
import re

from django.contrib.postgres.indexes import BrinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from encrypted_fields.fields import EncryptedCharField

from routers.choices import NAME_PATTERN, HealthState, RouterStatus, SampleResolution

name_validator = RegexValidator(
    NAME_PATTERN,
    "Use letters, digits, '.', '_' or '-' (up to 63, starting with a letter or digit): the name "
    "becomes the router's identity and its API user name.",
)


HOST_NAME = re.compile(
    r"(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?",
    re.IGNORECASE,
)
NAME_TAKEN = "A router with this name already exists (names are compared ignoring case)."
ADDRESS_TAKEN = "Another router of this account is already at this address and port."


def host_validator(value: str) -> None:
    """An IP address or a DNS host name, as radtik dials the router's API (no URL, no port)."""
    try:
        ipaddress.ip_address(value)
        return
    except ValueError:
        pass
    if re.fullmatch(r"[\d.]+", value):
        raise ValidationError(f"{value} is not a valid IP address.")
    if not HOST_NAME.fullmatch(value):
        raise ValidationError(
            "Enter the router's IP address or host name only (letters, digits, '-' and '.'), "
            "e.g. 192.168.88.1 or hq.example.net: no http://, path or port."
        )


class Router(models.Model):
    name = models.CharField(max_length=63, validators=[name_validator])
    host = models.CharField(max_length=255, validators=[host_validator])
    api_port = models.PositiveIntegerField(
        default=8728, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    use_tls = models.BooleanField(default=False)
    tls_certificate = models.TextField(
        blank=True,
        help_text="The api-ssl certificate (PEM) seen on first contact; only it is trusted after.",
    )
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
        constraints = [
            # "DEMO-1" beside "demo-1" would be two routers an operator cannot tell apart.
            models.UniqueConstraint(
                Lower("name"), name="router_name_ci", violation_error_message=NAME_TAKEN
            ),
            models.UniqueConstraint(
                fields=["host", "api_port"],
                name="router_host_port",
                violation_error_message=ADDRESS_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tls_fingerprint(self) -> str:
        """SHA-256 of the pinned certificate, as an operator compares it (`/certificate print`)."""
        from routers.routeros.tls_pin import fingerprint

        return fingerprint(self.tls_certificate) if self.tls_certificate else ""


class RouterHealth(models.Model):
    """A deployed router's health (routers.health): state, what was last read from it, and
    what its deployment left there to check. One row per watched router, written at each check.
    """

    router = models.OneToOneField(
        Router, primary_key=True, on_delete=models.CASCADE, related_name="health"
    )
    state = models.CharField(
        max_length=20, choices=HealthState.choices, default=HealthState.UNKNOWN
    )
    reason = models.CharField(max_length=500, blank=True)
    since = models.DateTimeField(null=True, blank=True, help_text="When the state last changed.")
    checked_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0, help_text="Checks since the deployment.")
    due_at = models.DateTimeField(db_index=True, help_text="When the next check is due.")
    down_since = models.DateTimeField(null=True, blank=True)
    down_alerted_at = models.DateTimeField(null=True, blank=True)
    # What the deployment manages: [{"path", "key", "fields", "digest"}] (routers.managed).
    managed = models.JSONField(default=list, blank=True)
    config_version = models.PositiveIntegerField(null=True, blank=True)
    # The last check's live data (the series keeps the history).
    cpu_load = models.PositiveSmallIntegerField(null=True, blank=True)
    free_memory = models.BigIntegerField(null=True, blank=True)
    total_memory = models.BigIntegerField(null=True, blank=True)
    uptime = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds.")
    hotspot_active = models.PositiveIntegerField(null=True, blank=True)
    ppp_active = models.PositiveIntegerField(null=True, blank=True)
    rx_bps = models.BigIntegerField(null=True, blank=True)
    tx_bps = models.BigIntegerField(null=True, blank=True)
    interfaces = models.JSONField(default=list, blank=True)  # [{"name", "rx_bps", "tx_bps", ...}]
    counters = models.JSONField(default=dict, blank=True)  # previous byte counters, for rates

    class Meta:
        verbose_name_plural = "router health"

    def __str__(self) -> str:
        return f"{self.router_id}: {self.state}"


class RouterSample(models.Model):
    """The compact time series: one row per router per check (raw), rolled up into 5-minute
    and hourly averages and dropped after their retention (routers.samples)."""

    pk = models.CompositePrimaryKey("router_id", "resolution", "at")
    router = models.ForeignKey(Router, on_delete=models.CASCADE, related_name="+", db_index=False)
    resolution = models.PositiveSmallIntegerField(choices=SampleResolution.choices)
    at = models.DateTimeField()
    cpu_load = models.PositiveSmallIntegerField(null=True)
    memory_pct = models.PositiveSmallIntegerField(null=True)  # used, of total
    hotspot_active = models.PositiveIntegerField(null=True)
    ppp_active = models.PositiveIntegerField(null=True)
    rx_bps = models.BigIntegerField(null=True)  # all ports, bits per second
    tx_bps = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["router", "resolution", "at"]
        # Rows arrive in time order: a block-range index finds the old ones for rollups and
        # retention in a few kilobytes (the primary key serves one router's charts).
        indexes = [BrinIndex(fields=["at"], name="routersample_at_brin")]

    def __str__(self) -> str:
        return f"{self.router_id} @ {self.at} ({self.resolution} s)"


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
