"""Sessions read back from RADIUS accounting, and where each server's read-back stands."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from accounting.choices import SessionService


class AccountingCursor(models.Model):
    """One per RADIUS server: the agent's change number up to which its sessions are in, and
    when the next read is due (accounting.ingest_sweep claims due ones)."""

    radius_server = models.OneToOneField(
        "radius.RadiusServer", on_delete=models.CASCADE, related_name="accounting_cursor"
    )
    cursor = models.BigIntegerField(default=0)
    due_at = models.DateTimeField(db_index=True)
    ingested_at = models.DateTimeField(null=True, blank=True, help_text="Last complete read.")
    last_error = models.CharField(max_length=500, blank=True)
    sessions_changed = models.PositiveBigIntegerField(default=0, help_text="Changes read, ever.")

    def __str__(self) -> str:
        return f"accounting of {self.radius_server_id} at {self.cursor}"


class SessionQuerySet(models.QuerySet):
    def count(self) -> int:
        """The whole table's count from SessionCount (kept by the table's triggers): a history
        of millions of sessions is counted by every unfiltered list page, which would read all
        of them. Any filter counts the rows it selects, as always."""
        query = self.query
        if query.where or query.is_sliced or query.distinct or query.combinator:
            return super().count()
        stored = SessionCount.objects.using(self.db).values_list("count", flat=True).first()
        return super().count() if stored is None else stored


class SessionCount(models.Model):
    """How many sessions the table holds (one row), kept by statement-level triggers on
    accounting_session (migration 0003): every INSERT and DELETE, however many rows."""

    key = models.CharField(max_length=10, primary_key=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} sessions"


class Session(models.Model):
    """One RADIUS accounting session (a radacct row) as radtik keeps it, linked to what it used
    (voucher, subscription or moved PPP secret) and the router it came through."""

    radius_server = models.ForeignKey(
        "radius.RadiusServer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    radacct_id = models.BigIntegerField(help_text="The row's id on the RADIUS server.")
    change = models.BigIntegerField(help_text="The agent's change number of this version.")
    username = models.CharField(max_length=253)
    session_id = models.CharField(max_length=64, help_text="Acct-Session-Id, as the NAS has it.")
    unique_id = models.CharField(max_length=64, blank=True)
    service = models.CharField(max_length=10, choices=SessionService.choices, blank=True)
    router = models.ForeignKey(
        "routers.Router", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip
    voucher = models.ForeignKey(
        "vouchers.Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip
    subscription = models.ForeignKey(
        "billing.Subscription", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    ppp_secret = models.ForeignKey(
        "routers.PPPSecret", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip
    nas_ip_address = models.CharField(max_length=45, blank=True)
    nas_identifier = models.CharField(max_length=253, blank=True)
    mac_address = models.CharField(max_length=64, blank=True)  # Calling-Station-Id
    framed_ip_address = models.CharField(max_length=45, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Last accounting packet.")
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Kept beside stopped_at (always stopped_at IS NULL) so the open sessions' partial indexes
    # and filters read one obvious column.
    is_open = models.BooleanField(default=True)
    terminate_cause = models.CharField(max_length=64, blank=True)
    input_octets = models.BigIntegerField(default=0, help_text="From the client (upload).")
    output_octets = models.BigIntegerField(default=0, help_text="To the client (download).")
    session_time = models.BigIntegerField(default=0, help_text="Seconds.")
    ingested_at = models.DateTimeField()

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # What makes the ingest idempotent: one row per radacct row of a server.
            models.UniqueConstraint(
                fields=["radius_server", "radacct_id"], name="session_server_radacct"
            )
        ]
        indexes = [
            # Online now (per tenant, per router), newest first: partial, so millions of closed
            # sessions never enter them.
            models.Index(
                fields=["-started_at", "-id"], condition=Q(is_open=True), name="session_open"
            ),
            models.Index(
                fields=["router", "-started_at", "-id"],
                condition=Q(is_open=True),
                name="session_open_router",
            ),
            # History: the tenant's, a router's, a user's, by start or by stop (a backward scan
            # serves the other direction); the stop index also serves retention's cut.
            models.Index(fields=["-started_at", "-id"], name="session_started"),
            models.Index(fields=["router", "-started_at", "-id"], name="session_router_started"),
            models.Index(fields=["username", "-started_at"], name="session_username"),
            # A device's sessions (the MAC filter is case-insensitive: UPPER, as iexact asks).
            models.Index(Upper("mac_address"), F("started_at").desc(), name="session_mac"),
            models.Index(fields=["-stopped_at", "-id"], name="session_stopped"),
            models.Index(
                fields=["voucher"], condition=Q(voucher__isnull=False), name="session_voucher"
            ),
            models.Index(
                fields=["subscription"],
                condition=Q(subscription__isnull=False),
                name="session_subscription",
            ),
            models.Index(
                fields=["ppp_secret"],
                condition=Q(ppp_secret__isnull=False),
                name="session_ppp_secret",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.username} on {self.nas_identifier or self.nas_ip_address} ({self.session_id})"
        )

    @property
    def total_octets(self) -> int:
        return self.input_octets + self.output_octets
