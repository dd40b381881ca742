from django.db import models


class OwnerKind(models.TextChoices):
    """The sources that write users to a RADIUS server."""

    VOUCHER_BATCH = "voucher_batch", "voucher batch"
    SUBSCRIPTION = "subscription", "subscription"
    ROUTER = "router", "PPP secrets of router"
