from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from radius.models import RadiusLimitsModel
from vouchers.choices import MAX_BATCH, SyncStatus, ValidityMode, VoucherStatus

# What an operator sets on a profile: the page's form and the API's serializer.
PROFILE_FIELDS = [
    "name",
    "price",
    "time_limit",
    "validity_mode",
    "validity_seconds",
    "expires_at",
    "data_limit",
    "rate_limit",
    "simultaneous_use",
    "mac_lock",
]


class VoucherProfile(RadiusLimitsModel):
    sessions_field = "simultaneous_use"

    name = models.CharField(max_length=100, unique=True)
    validity_mode = models.CharField(
        max_length=20, choices=ValidityMode.choices, default=ValidityMode.AFTER_FIRST_USE
    )
    validity_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="How long a voucher stays valid after its first use."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Fixed expiry.")
    simultaneous_use = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    # Enforced by FreeRADIUS (the agent's Radtik-Mac-Lock): a shared code is useless elsewhere.
    mac_lock = models.BooleanField(
        "MAC lock",
        default=False,
        help_text="A voucher works only on the first device it logs in from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.validity_mode == ValidityMode.FIXED and not self.expires_at:
            raise ValidationError({"expires_at": "A fixed-expiry profile needs its expiry date."})
        # Surely a typo (year 77 for 2077); such dates also come back in local mean time
        # (+02:27:16 in Nairobi), an offset no client parses.
        if self.expires_at and self.expires_at.year < 2000:
            raise ValidationError({"expires_at": "Give an expiry date from the year 2000 on."})


class VoucherBatch(models.Model):
    profile = models.ForeignKey(VoucherProfile, on_delete=models.PROTECT, related_name="batches")
    radius_server = models.ForeignKey(
        "radius.RadiusServer", on_delete=models.PROTECT, related_name="voucher_batches"
    )
    count = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH)]
    )
    prefix = models.CharField(max_length=10, blank=True)
    code_length = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(6), MaxValueValidator(16)]
    )
    separate_password = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "voucher batches"

    def __str__(self) -> str:
        return f"Batch #{self.pk} · {self.count} × {self.profile}"


class Voucher(models.Model):
    # Indexes are few on purpose: every one is paid for 100,000 times per batch.
    batch = models.ForeignKey(
        VoucherBatch, on_delete=models.CASCADE, related_name="vouchers", db_index=False
    )
    username = models.CharField(max_length=40)
    password = models.CharField(max_length=40)  # printable on purpose: sheets are reprinted
    status = models.CharField(
        max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.UNUSED
    )
    radius_sync_status = models.CharField(
        max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    radius_synced_at = models.DateTimeField(null=True, blank=True)
    radius_sync_error = models.CharField(max_length=500, blank=True)
    sync_attempts = models.PositiveSmallIntegerField(default=0)
    first_used_at = models.DateTimeField(null=True, blank=True)
    # Set at the first use (accounting): when its validity ends, fixed or after first use.
    expires_at = models.DateTimeField(null=True, blank=True)
    # What its sessions used, kept by accounting as they come in (time and data limits count it).
    # db_default: the batch COPY names only the columns it fills.
    used_seconds = models.PositiveBigIntegerField(default=0, db_default=0)
    used_octets = models.PositiveBigIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        # A batch's vouchers in id order: its page reads 50 of them, not the whole batch and a
        # sort; a sync reads the batch's pending ids from it once. Counts by status come from
        # VoucherBatchCount.
        indexes = [
            models.Index(fields=["batch", "id"], name="voucher_batch_order"),
            # The in-use vouchers whose validity ends soonest (accounting's expiry check);
            # partial, so unused vouchers never enter it.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status=VoucherStatus.ACTIVE),
                name="voucher_active_expiry",
            ),
        ]
        constraints = [
            # A constraint, not unique=True: that would add a second (LIKE) index on username.
            models.UniqueConstraint(fields=["username"], name="voucher_username_unique")
        ]

    def __str__(self) -> str:
        return self.username


class VoucherCount(models.Model):
    """How many vouchers have each status (key "active") and sync status (key "sync:failed"),
    kept by statement-level triggers on vouchers_voucher (migration 0006): vouchers change in
    COPYs, bulk UPDATEs, per-voucher saves and cascaded deletes across several modules, and
    the trigger counts each statement's rows exactly, in its transaction. The dashboard reads
    these few rows, never the vouchers."""

    key = models.CharField(max_length=20, primary_key=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class VoucherBatchCount(models.Model):
    """How many of a batch's vouchers have each sync status, kept by the same triggers as
    VoucherCount (migration 0007): the batch page, the batch list and a sync's pushes read a
    few rows instead of counting 100,000 vouchers on each render. A plain batch id, no
    foreign key: a batch's deletion cascades to its vouchers, whose trigger removes these."""

    batch_id = models.BigIntegerField()
    sync_status = models.CharField(max_length=10, choices=SyncStatus.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch_id", "sync_status"], name="batch_count_key")
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id} {self.sync_status}: {self.count}"


class VoucherDay(models.Model):
    """Vouchers sold (first used) on a day of the account's time zone (vouchers.counters)."""

    day = models.DateField(primary_key=True)
    sold = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.sold} sold"
