import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from tenants.choices import SLUG_PATTERN, TenantStatus

slug_validator = RegexValidator(
    SLUG_PATTERN,
    "Use 3-30 lowercase letters, digits or hyphens, starting with a letter "
    "and not ending with a hyphen.",
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a time zone; use a name such as Africa/Nairobi.")


currency_validator = RegexValidator(
    r"^[A-Z]{3}$", "Use the currency's three-letter ISO 4217 code, such as KES."
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

    # Pages, sheets, dashboards and messages show times in this zone and amounts in this currency.
    time_zone = models.CharField(
        max_length=64,
        default="Africa/Nairobi",
        validators=[validate_time_zone],
        help_text="Times are shown in this zone (an IANA name such as Africa/Nairobi).",
    )
    currency = models.CharField(
        max_length=3,
        default="KES",
        validators=[currency_validator],
        help_text="Three-letter ISO 4217 code of the currency amounts are shown in.",
    )

    # Seconds between health checks of each deployed router (routers.health_sweep); a router down
    # longer than router_down_minutes (below) is alerted.
    router_health_interval = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(2), MaxValueValidator(3600)],
        help_text="Seconds between health checks of each deployed router.",
    )

    # Accounting (accounting.ingest): how often each RADIUS server's sessions are read back, and
    # how long closed sessions are kept (accounting.retention prunes older ones).
    accounting_interval = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(3600)],
        help_text="Seconds between reads of each RADIUS server's accounting.",
    )
    session_retention_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Closed sessions older than this many days are deleted.",
    )

    # Retention (radtik.jobs.retention, hourly): what grows is deleted after this many days.
    # Audit entries are kept longest: they answer "who did this" long after the job is gone.
    job_retention_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Finished jobs older than this many days are deleted.",
    )
    job_log_retention_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="The log lines of jobs finished this many days ago are deleted.",
    )
    audit_retention_days = models.PositiveSmallIntegerField(
        default=730,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text="Audit entries older than this many days are deleted (at least 30).",
    )
    callback_retention_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Stored M-Pesa callbacks older than this many days are deleted (except those "
        "waiting or needing attention).",
    )
    notification_retention_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Sent, failed or skipped messages older than this many days are deleted.",
    )
    # The finer resolutions are the roll-up's working windows (ROUTER_SAMPLES_RAW_HOURS,
    # ROUTER_SAMPLES_5MIN_DAYS); how far back a router's history goes is the operator's choice.
    router_history_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
        help_text="Routers' hourly history (CPU, memory, traffic) older than this many days is "
        "deleted (at least 7, the router page's week chart).",
    )

    # Seconds between a session's accounting updates: RADIUS replies carry it
    # (Acct-Interim-Interval) and provisioning sets the hotspot profile to it. Sessions silent
    # for 3 intervals are closed by the RADIUS agent (a router that lost power never says so).
    radius_interim_interval = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(30), MaxValueValidator(3600)],
        help_text="Seconds between accounting updates from routers (30 to 3600).",
    )

    # Notifications (radtik.notifications).
    notification_language = models.CharField(
        max_length=2,
        choices=[("en", "English"), ("sw", "Kiswahili")],
        default="en",
        help_text="Language of the messages sent for this account (unless a template says else).",
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="From this time, reminders wait until the quiet hours end."
    )
    quiet_hours_end = models.TimeField(null=True, blank=True)
    sms_monthly_budget = models.PositiveIntegerField(
        null=True, blank=True, help_text="SMS sent per month at most; empty: no limit."
    )
    router_down_minutes = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="A router down this many minutes alerts the admins.",
    )
    alert_window_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="At most one alert per condition (a router down, a failed job) in this window.",
    )

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
