"""Notification constants: channels, statuses, templates, languages."""

from __future__ import annotations

from django.db import models

NOTIFICATIONS_TOPIC = "notifications"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"  # opted out, budget reached: the reason is in `error`


FINAL_STATUSES = (NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SKIPPED)


class TemplateKey(models.TextChoices):
    PAYMENT_RECEIPT = "payment_receipt", "Payment receipt (customer)"
    SUBSCRIPTION_REMINDER = "subscription_reminder", "Subscription about to expire (customer)"
    ROUTER_DOWN = "router_down", "Router down (admins)"
    ROUTER_UP = "router_up", "Router back up (admins)"
    JOB_FAILED = "job_failed", "Job failed after its last attempt (admins)"
    CALLBACKS_QUARANTINED = "callbacks_quarantined", "M-Pesa callback needs attention (admins)"
    SMS_BUDGET_REACHED = "sms_budget_reached", "Monthly SMS budget reached (admins)"
    TENANT_WELCOME = "tenant_welcome", "Welcome (new tenant's admin)"


# Sent whatever the time: the customer is waiting for credentials, or something is broken.
URGENT_TEMPLATES = frozenset(TemplateKey.values) - {TemplateKey.SUBSCRIPTION_REMINDER}


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SWAHILI = "sw", "Kiswahili"


class SmsEnvironment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox"
    PRODUCTION = "production", "Production"
