"""Billing constants: statuses, topics and limits, in one place."""

from __future__ import annotations

import re

from django.db import models

# The worker cluster of payment work: its own workers, so a customer waiting at the portal is
# never queued behind imports or voucher syncs.
PAYMENTS_QUEUE = "payments"

# Topics: operators watch `payments`; a portal page watches `payment.<token>` (unguessable).
PAYMENTS_TOPIC = "payments"
CALLBACKS_TOPIC = "callbacks"  # callbacks set aside as needing attention
# A subscription's access ending (SubscriptionExpired, SubscriptionSuspended): accounting ends
# its sessions at the router.
SUBSCRIPTIONS_TOPIC = "subscriptions"
PORTAL_TOPIC_PREFIX = "payment."
TOKEN_BYTES = 24  # secrets.token_urlsafe(24) → 32 characters
# What an anonymous portal client may watch (radtik.realtime.auth): its own payment's topic.
PORTAL_TOPIC = re.compile(re.escape(PORTAL_TOPIC_PREFIX) + r"[A-Za-z0-9_-]{32,64}")
MAX_CALLBACK_BYTES = 64 * 1024
CREDENTIAL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)
USERNAME_PREFIX = "mp"  # vouchers are upper case: the RADIUS name spaces never collide
MAC_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")

# Safaricom's published callback source addresses (unverified; see PROTOCOLS.md).
SAFARICOM_CALLBACK_IPS = (
    "196.201.214.200",
    "196.201.214.206",
    "196.201.214.207",
    "196.201.214.208",
    "196.201.213.114",
    "196.201.213.44",
    "196.201.212.127",
    "196.201.212.138",
    "196.201.212.129",
    "196.201.212.136",
    "196.201.212.74",
    "196.201.212.69",
)


class Service(models.TextChoices):
    HOTSPOT = "hotspot", "Hotspot"
    PPPOE = "pppoe", "PPPoE"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    FLAGGED = "flagged", "Flagged"


class ResolvedVia(models.TextChoices):
    NONE = "", "Not yet"
    CALLBACK = "callback", "Callback"
    QUERY = "query", "STK query (reconciliation)"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # PPPoE past its end (billing.lifecycle): service as before for the package's grace period,
    # then walled (only the portal's renew page) for its renew period, then suspended.
    GRACE = "grace", "Grace period"
    RENEW = "renew", "Walled: renew"
    EXPIRED = "expired", "Expired"
    SUSPENDED = "suspended", "Suspended"


# The router address list a walled (RENEW) subscriber's address joins: RADIUS replies
# Mikrotik-Address-List with it, and provisioning's PPPoE items redirect its web traffic to the
# portal's renew page and drop the rest (provisioning.pppoe_plan).
RENEW_ADDRESS_LIST = "radtik-renew"


# Statuses whose access is removed from RADIUS and the router (by the expiry job).
WITHOUT_ACCESS = (SubscriptionStatus.EXPIRED, SubscriptionStatus.SUSPENDED)


class SyncState(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"
    NOT_NEEDED = "n/a", "Not needed"


class CallbackOutcome(models.TextChoices):
    RECEIVED = "received", "Received (being matched)"
    ACCEPTED = "accepted", "Accepted (processing queued)"
    DUPLICATE = "duplicate", "Duplicate (ignored)"
    UNKNOWN = "unknown", "Unknown CheckoutRequestID"
    MALFORMED = "malformed", "Rejected (malformed or out of range)"
    QUARANTINED = "quarantine", "Needs attention (matching it failed)"
    # Requests without the secret or from outside the allow-list are counted, not stored; rows
    # stored before that keep this outcome.
    REFUSED = "refused", "Refused (address not allowed)"


class Environment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox"
    PRODUCTION = "production", "Production"


class TransactionKind(models.TextChoices):
    PAYBILL = "CustomerPayBillOnline", "PayBill"
    TILL = "CustomerBuyGoodsOnline", "Till (Buy Goods)"
