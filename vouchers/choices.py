from django.db import models

# The batch list watches `vouchers`; a batch's page watches `vouchers.batch.<id>`.
VOUCHERS_TOPIC = "vouchers"


class VoucherStatus(models.TextChoices):
    UNUSED = "unused", "Unused"
    ACTIVE = "active", "Active"
    USED_UP = "used_up", "Used up"
    EXPIRED = "expired", "Expired"
    DISABLED = "disabled", "Disabled"


# Statuses that no longer give access: the voucher's user leaves RADIUS, its sessions end.
WITHOUT_ACCESS = (VoucherStatus.USED_UP, VoucherStatus.EXPIRED, VoucherStatus.DISABLED)
# The vouchers topic (radtik.events): first use, used up, expired, disabled.
VOUCHERS_TOPIC = "vouchers"
# Vouchers per VouchersActivated: an accounting page's thousands of first logins go out (and
# are heard by listeners) as a few events, not one each.
ACTIVATED_CHUNK = 200


class SyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


class BulkAction(models.TextChoices):
    """What a bulk job does to a batch's vouchers or a selection (vouchers.bulk)."""

    DISABLE = "disable", "Disable"
    DELETE = "delete", "Delete"


class ValidityMode(models.TextChoices):
    AFTER_FIRST_USE = "after_first_use", "Valid for a period after first use"
    FIXED = "fixed", "Valid until a fixed date"


# No look-alikes: 0/O, 1/I/L, 5/S, 2/Z, 8/B are all dropped.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
MAX_BATCH = 1_000_000
