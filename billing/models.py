"""Packages, customers, subscriptions, payments (with every raw callback) and Daraja settings."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from encrypted_fields.fields import EncryptedCharField

from billing.choices import (
    PORTAL_TOPIC_PREFIX,
    TOKEN_BYTES,
    CallbackOutcome,
    Environment,
    PaymentStatus,
    ResolvedVia,
    Service,
    SubscriptionStatus,
    SyncState,
    TransactionKind,
)
from radius.models import RadiusLimitsModel


def new_callback_secret() -> str:
    return secrets.token_urlsafe(32)


def new_payment_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


DIGITS = RegexValidator(r"^\d+$", "Digits only.")
REMINDER_UNITS = {"m": 60, "h": 3600, "d": 86400}
REMINDERS = RegexValidator(
    r"^\s*(\d+[mhd]\s*(,\s*\d+[mhd]\s*)*)?$",
    "Durations before expiry, comma-separated, e.g. 1d, 1h or 30m.",
)


def reminder_offsets(text: str) -> list[int]:
    """'1d, 1h' -> [86400, 3600]: seconds before the end, largest first."""
    offsets = {
        int(part[:-1]) * REMINDER_UNITS[part[-1]]
        for part in (p.strip() for p in text.split(","))
        if part and part[:-1].isdigit() and part[-1] in REMINDER_UNITS
    }
    return sorted((o for o in offsets if o > 0), reverse=True)


class DarajaSettings(models.Model):
    """The tenant's Daraja app and till/paybill (one row per tenant schema)."""

    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.SANDBOX
    )
    shortcode = models.CharField(
        max_length=20,
        validators=[DIGITS],
        help_text="PayBill or till shortcode (digits).",
    )
    party_b = models.CharField(
        max_length=20,
        blank=True,
        validators=[DIGITS],
        help_text="Till number for Buy Goods if not the shortcode; empty for PayBill.",
    )
    transaction_type = models.CharField(
        max_length=40, choices=TransactionKind.choices, default=TransactionKind.PAYBILL
    )
    passkey = EncryptedCharField(max_length=200)
    consumer_key = EncryptedCharField(max_length=200)
    consumer_secret = EncryptedCharField(max_length=200)
    base_url = models.URLField(
        blank=True, help_text="Override Daraja's address (the simulator); empty for Safaricom."
    )
    callback_base_url = models.URLField(
        blank=True,
        help_text="Public https address of this account that Safaricom can reach, e.g. "
        "https://alpha.radtik.example. Empty: the address the portal was opened on.",
    )
    # The secret in the callback URL: encrypted at rest (the STK push needs it back to build the
    # URL), compared in constant time, never shown or logged (radtik.redaction).
    callback_secret = EncryptedCharField(max_length=64, default=new_callback_secret)
    enforce_ip_allowlist = models.BooleanField(
        default=False, help_text="Accept callbacks only from Safaricom's published addresses."
    )
    account_reference = models.CharField(max_length=12, default="WiFi")
    hotspot_login_url = models.URLField(
        default="http://hotspot.login/login",
        help_text="The hotspot's login URL for the one-tap login link (the portal passes "
        "link-login-only when the hotspot sends it).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Daraja settings"
        verbose_name_plural = "Daraja settings"

    def __str__(self) -> str:
        return f"Daraja {self.environment} · {self.shortcode}"


# What an operator sets on a package (page form; the API shows these and more).
PACKAGE_FIELDS = [
    "name",
    "price",
    "validity_seconds",
    "time_limit",
    "data_limit",
    "rate_limit",
    "devices",
    "service",
    "radius_server",
    "router",
    "router_profile",
    "active",
    "reminders",
    "grace_seconds",
    "renew_seconds",
]


class Package(RadiusLimitsModel):
    sessions_field = "devices"

    name = models.CharField(max_length=100, unique=True)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(1))],
        help_text="KES, whole shillings (M-Pesa takes no cents).",
    )
    validity_seconds = models.PositiveIntegerField(validators=[MinValueValidator(60)])
    devices = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    service = models.CharField(max_length=10, choices=Service.choices, default=Service.HOTSPOT)
    router = models.ForeignKey(
        "routers.Router",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The router selling it. Without a RADIUS server, users are created on it.",
    )
    radius_server = models.ForeignKey(
        "radius.RadiusServer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where credentials go; empty: the router's RADIUS server, if any.",
    )
    router_profile = models.CharField(
        max_length=100,
        default="default",
        help_text="Profile on the router: a hotspot user profile, or a PPP profile for PPPoE.",
    )
    active = models.BooleanField(default=True)
    reminders = models.CharField(
        max_length=50,
        blank=True,
        default="1d,1h",
        validators=[REMINDERS],
        help_text="When customers get an SMS before their access ends, e.g. 1d,1h; empty: never.",
    )
    # PPPoE after the end (billing.lifecycle); both 0: expired at the end, as a hotspot package.
    grace_seconds = models.PositiveIntegerField(
        default=0,
        help_text="PPPoE: seconds of normal service after the end, before the subscriber is "
        "walled; 0 for none.",
    )
    renew_seconds = models.PositiveIntegerField(
        default=0,
        help_text="PPPoE: seconds walled after the grace period (only the portal's renew page "
        "opens), before suspension; 0 for none.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["price", "name"]

    def __str__(self) -> str:
        return f"{self.name} (KES {self.price})"

    @property
    def has_lifecycle(self) -> bool:
        """A PPPoE package with a grace or renew period (billing.lifecycle moves its
        subscriptions along after their end)."""
        return self.service == Service.PPPOE and bool(self.grace_seconds or self.renew_seconds)

    def clean(self) -> None:
        if self.router_id is None and self.radius_server_id is None:
            raise ValidationError(
                {"router": "Choose the router that sells this package, a RADIUS server, or both."}
            )


class Customer(models.Model):
    phone = models.CharField(max_length=12, unique=True, help_text="2547XXXXXXXX / 2541XXXXXXXX")
    name = models.CharField(max_length=100, blank=True)
    mac_addresses = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_payment_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:4]}****{self.phone[-4:]}"


class Subscription(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="subscriptions")
    router = models.ForeignKey(
        "routers.Router", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    radius_server = models.ForeignKey(
        "radius.RadiusServer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=40, unique=True)
    password = EncryptedCharField(max_length=100)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    radius_state = models.CharField(
        max_length=10, choices=SyncState.choices, default=SyncState.PENDING
    )
    router_state = models.CharField(
        max_length=10, choices=SyncState.choices, default=SyncState.NOT_NEEDED
    )
    last_error = models.CharField(max_length=500, blank=True)
    # What its sessions used, kept by accounting as they come in.
    used_seconds = models.PositiveBigIntegerField(default=0)
    used_octets = models.PositiveBigIntegerField(default=0)
    last_session_at = models.DateTimeField(null=True, blank=True)
    cleanup_pending = models.BooleanField(
        default=False, help_text="Expired, but RADIUS/router removal has not finished yet."
    )
    walled_session = models.BooleanField(
        default=False,
        help_text="Was walled (renew): its session is ended once paid, so the next login has "
        "the package's limits.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ends_at"]
        constraints = [
            # One subscription per customer and package: paying again extends or reconnects it.
            models.UniqueConstraint(fields=["customer", "package"], name="subscription_per_package")
        ]
        indexes = [models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.username} · {self.package.name}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})


class Payment(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_payment_token, editable=False)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="payments")
    phone = models.CharField(max_length=12, db_index=True)
    amount = models.DecimalField(max_digits=10, decimal_places=0)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    mac_address = models.CharField(max_length=17, blank=True)
    login_url = models.URLField(blank=True)
    # Paid on the portal's renew page for an existing subscription (named by its account name
    # alone): whoever paid never sees its credentials. A default in the database too: hosts
    # still on the previous release (a rolling upgrade) insert payments without this column.
    renewal = models.BooleanField(default=False, db_default=False)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    status_reason = models.CharField(max_length=500, blank=True)
    merchant_request_id = models.CharField(max_length=100, blank=True)
    checkout_request_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    receipt = models.CharField(max_length=30, unique=True, null=True, blank=True)
    # Daraja's ResultCode as text: integers ("0", "1032") and codes such as "SFC_IC0003".
    result_code = models.CharField(max_length=20, null=True, blank=True)
    result_desc = models.CharField(max_length=500, blank=True)
    resolved_via = models.CharField(
        max_length=10, choices=ResolvedVia.choices, default=ResolvedVia.NONE, blank=True
    )
    raw_request = models.JSONField(default=dict, blank=True)
    raw_response = models.JSONField(default=dict, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The payments list, newest first, with its tie-break: one index walk for a page.
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["-created_at", "-id"], name="billing_payment_list"),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} · KES {self.amount} · {self.status}"

    @property
    def topic(self) -> str:
        return f"{PORTAL_TOPIC_PREFIX}{self.token}"


class PaymentCallback(models.Model):
    """Every callback request as it arrived, matched or not: the audit trail of Daraja's side."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    checkout_request_id = models.CharField(max_length=100, blank=True, db_index=True)
    body = models.TextField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=CallbackOutcome.choices)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed tries to match it (the inbox sets it aside after a few)."
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        # The inbox's drain reads the few waiting rows of an ever-growing table, and the
        # payments page counts the few that need attention.
        indexes = [
            # The callbacks list, newest first, and retention (received before a cutoff).
            models.Index(fields=["-received_at", "-id"], name="billing_callback_list"),
            models.Index(
                fields=["id"],
                condition=models.Q(outcome=CallbackOutcome.RECEIVED),
                name="billing_callback_waiting",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(outcome=CallbackOutcome.QUARANTINED),
                name="billing_callback_attention",
            ),
        ]

    def __str__(self) -> str:
        return f"Callback #{self.pk} · {self.outcome}"


class PaymentDay(models.Model):
    """One package's payments on one day of the account's time zone, kept by billing.counters
    in the transaction that moves a payment: the dashboard's money figures read these few rows,
    never the payments table."""

    day = models.DateField()
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="+")
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    income = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "package"], name="billing_paymentday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.package_id}: {self.completed} completed"


HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour as #RRGGBB, such as #0a7d32.")
PORTAL_FIELDS = ["title", "accent_colour", "background_colour", "terms", "packages"]


class PortalSettings(models.Model):
    """How the captive portal looks to customers (one row per tenant schema; none: defaults).

    The logo is kept in the row, not in a media folder: it is small (billing.services checks
    type and size) and every web host serves it without a shared disk."""

    title = models.CharField(
        max_length=80,
        blank=True,
        help_text="The portal's heading and the router's login page title; empty: the "
        "account's name.",
    )
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    accent_colour = models.CharField(
        max_length=7, default="#0a7d32", validators=[HEX_COLOUR], help_text="Buttons."
    )
    background_colour = models.CharField(
        max_length=7, default="#f4f6f8", validators=[HEX_COLOUR], help_text="The page behind."
    )
    terms = models.TextField(
        max_length=5000, blank=True, help_text="Terms of use shown on the portal."
    )
    packages = models.ManyToManyField(
        Package,
        blank=True,
        related_name="+",
        help_text="Packages on sale at the portal; none chosen: every active package.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "portal settings"
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return "Portal settings"
