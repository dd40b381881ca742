"""Notifications (one row per message to one recipient), tenant templates, SMS settings,
opt-outs and the router-down watch. The tables exist in every schema: tenants' messages in
theirs, system admins' (welcome e-mails) in public."""

from __future__ import annotations

from django.db import models
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from radtik.events import mask_text
from radtik.notifications.choices import (
    Channel,
    Language,
    NotificationStatus,
    SmsEnvironment,
    TemplateKey,
)


class Notification(models.Model):
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="E-mail address or +254... number.")
    template = models.CharField(max_length=40, choices=TemplateKey.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    subject = models.CharField(max_length=200, blank=True)
    # What is sent may carry credentials: encrypted at rest, never shown. `preview` is the same
    # text with the password left out, for the page and the API.
    body = EncryptedTextField()
    preview = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=200, blank=True)
    cost = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    # One message per cause (a payment's receipt, a reminder): a cause heard twice sends once.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # Alerts: at most one per condition per window (tenant setting).
    condition = models.CharField(max_length=200, blank=True)
    urgent = models.BooleanField(default=True)
    send_after = models.DateTimeField(null=True, blank=True, help_text="Held for quiet hours.")
    job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["condition", "created_at"], name="notification_condition"),
            models.Index(fields=["channel", "status", "sent_at"], name="notification_budget"),
        ]

    def __str__(self) -> str:
        # Job rows and log lines show this: the recipient masked.
        return f"{self.get_channel_display()} {self.template} to {self.recipient_masked}"

    @property
    def recipient_masked(self) -> str:
        return mask_text(self.recipient)


class NotificationTemplate(models.Model):
    """A tenant's own wording of one template in one language and channel (else the default)."""

    key = models.CharField(max_length=40, choices=TemplateKey.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="E-mail only.")
    body = models.TextField(help_text="Placeholders as in the default, e.g. $username.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "language", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language", "channel"], name="notification_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language}, {self.channel})"


class SmsSettings(models.Model):
    """The tenant's Africa's Talking account (one row per schema). The API key is write-only."""

    environment = models.CharField(
        max_length=20, choices=SmsEnvironment.choices, default=SmsEnvironment.SANDBOX
    )
    username = models.CharField(max_length=100, help_text="Africa's Talking app username.")
    api_key = EncryptedCharField(max_length=200)
    sender_id = models.CharField(
        max_length=11, blank=True, help_text="Approved sender ID or shortcode; empty: the default."
    )
    base_url = models.URLField(
        blank=True,
        help_text="Override the API address (the simulator); empty for Africa's Talking.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SMS settings"
        verbose_name_plural = "SMS settings"

    def __str__(self) -> str:
        return f"Africa's Talking {self.environment} · {self.username}"


class OptOut(models.Model):
    """A recipient who asked for no more messages on a channel (alerts to admins included)."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="opt_out_once")]

    def __str__(self) -> str:
        return f"{self.channel} {mask_text(self.address)}"


class RouterWatch(models.Model):
    """Since when a router is down, and whether its admins were told (the down-for-N-minutes
    rule). By id, not a foreign key: the table exists in public too, where routers do not."""

    router_id = models.BigIntegerField(unique=True)
    down_since = models.DateTimeField(null=True, blank=True)
    alerted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"router #{self.router_id}"
