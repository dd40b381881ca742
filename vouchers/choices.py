from django.db import models


class VoucherStatus(models.TextChoices):
    UNUSED = "unused", "Unused"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    DISABLED = "disabled", "Disabled"


class SyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


class ValidityMode(models.TextChoices):
    AFTER_FIRST_USE = "after_first_use", "Valid for a period after first use"
    FIXED = "fixed", "Valid until a fixed date"


# No look-alikes: 0/O, 1/I/L, 5/S, 2/Z, 8/B are all dropped.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
MAX_BATCH = 100_000
