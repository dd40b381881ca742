from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from radius.models import RadiusLimitsModel
from vouchers.choices import MAX_BATCH, SyncStatus, ValidityMode, VoucherStatus


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
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.validity_mode == ValidityMode.FIXED and not self.expires_at:
            raise ValidationError({"expires_at": "A fixed-expiry profile needs its expiry date."})


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "radius_sync_status"])]
        constraints = [
            # A constraint, not unique=True: that would add a second (LIKE) index on username.
            models.UniqueConstraint(fields=["username"], name="voucher_username_unique")
        ]

    def __str__(self) -> str:
        return self.username
