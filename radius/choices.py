from django.db import models

# Where a router listens for Disconnect-Request / CoA (RFC 5176): provisioning sets
# `/radius incoming port=` to it and radtik sends there.
COA_PORT = 3799


class OwnerKind(models.TextChoices):
    """The sources that write users to a RADIUS server."""

    VOUCHER_BATCH = "voucher_batch", "voucher batch"
    SUBSCRIPTION = "subscription", "subscription"
    ROUTER = "router", "PPP secrets of router"
