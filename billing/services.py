"""Payment rules: initiate an STK push, record callbacks idempotently, settle, reconcile.

Every Daraja outcome (callback or STK query) goes through `_record_results` under a row lock and
a per-CheckoutRequestID advisory lock, so any number of copies, concurrent or not, is settled
once: the first copy queues ProcessPayment, every later one is stored as a duplicate. A callback
request only stores the callback; the inbox's drain matches it (billing.inbox).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from billing.choices import (
    CREDENTIAL_ALPHABET,
    MAC_ADDRESS,
    MAX_CALLBACK_BYTES,
    SAFARICOM_CALLBACK_IPS,
    USERNAME_PREFIX,
    CallbackOutcome,
    PaymentStatus,
    ResolvedVia,
    SubscriptionStatus,
    SyncState,
)
from billing.counters import payment_counted, payments_counted
from billing.events import payment_publish, payments_publish, subscription_publish
from billing.inbox import inbox_refused_add, inbox_wake
from billing.login_links import portal_login_url
from billing.models import (
    PORTAL_FIELDS,
    Customer,
    DarajaSettings,
    Package,
    Payment,
    PaymentCallback,
    PortalSettings,
    Subscription,
)
from billing.mpesa import (
    SUCCESS,
    CallbackParseError,
    DarajaClient,
    DarajaConfig,
    DarajaError,
    ResultCode,
    StkCallback,
    describe_result_code,
    mask_phone,
    normalize_phone,
    parse_callback,
    result_code_from,
)
from billing.selectors import portal_packages
from radius.models import RadiusServer
from radius.namespace import username_owners
from radtik.audit.choices import AuditAction
from radtik.audit.services import AuditItem, audit_changes, audit_record, audit_record_each
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue, jobs_enqueue
from radtik.writes import fields_update, row_create, row_delete, rows_update, single_row_save

logger = logging.getLogger(__name__)
CALLBACK_PATH = "/api/payments/mpesa/callback/{secret}/"
# What recording Daraja's outcome changes on a payment (the rest of the row stays as it was).
RESULT_FIELDS = [
    "result_code",
    "result_desc",
    "paid_amount",
    "resolved_via",
    "resolved_at",
    "status",
    "status_reason",
    "receipt",
]
RESULT_ACTIONS = {
    ResolvedVia.CALLBACK: AuditAction.PAYMENT_RESULT_CALLBACK,
    ResolvedVia.QUERY: AuditAction.PAYMENT_RESULT_QUERY,
}
# What activating a subscription changes on an existing row.
ACTIVATED_FIELDS = [
    "status",
    "starts_at",
    "ends_at",
    "router",
    "radius_server",
    "cleanup_pending",
    "radius_state",
    "router_state",
    "last_error",
    "updated_at",
]


class PaymentPushFailed(Exception):
    """Daraja did not accept the STK push; the payment is recorded as failed with the reason."""

    def __init__(self, payment: Payment, message: str):
        super().__init__(message)
        self.payment = payment


# -- settings ------------------------------------------------------------------------------------
def daraja_settings() -> DarajaSettings:
    found = DarajaSettings.objects.first()
    if found is None:
        raise ValidationError(
            "This hotspot does not take M-Pesa payments yet (no Daraja settings)."
        )
    return found


def daraja_client(config: DarajaSettings) -> DarajaClient:
    return DarajaClient(
        DarajaConfig(
            shortcode=config.shortcode,
            passkey=config.passkey,
            consumer_key=config.consumer_key,
            consumer_secret=config.consumer_secret,
            environment=config.environment,
            base_url=config.base_url,
            transaction_type=config.transaction_type,
            party_b=config.party_b,
            timeout=15.0,
        )
    )


def daraja_settings_save(*, actor: Any = None, **fields: Any) -> DarajaSettings:
    """Create or update the tenant's one Daraja settings row."""
    return single_row_save(
        model=DarajaSettings, fields=fields, action=AuditAction.DARAJA_SETTINGS_SAVE, actor=actor
    )


# Logos customers' phones load on a paid-by-the-byte link: small, and only raster images (an SVG
# can carry script). Recognised by their first bytes, not by the name or the browser's say.
LOGO_MAX_BYTES = 200 * 1024
LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def portal_logo_read(upload: Any) -> tuple[bytes, str]:
    """(bytes, content type) of an uploaded logo; ValidationError on the logo field otherwise."""
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": [f"The logo is over {LOGO_MAX_BYTES // 1024} KB."]})
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return data, "image/webp"
    for signature, content_type in LOGO_SIGNATURES:
        if data.startswith(signature):
            return data, content_type
    raise ValidationError({"logo": ["Upload the logo as a PNG, JPEG, GIF or WebP image."]})


def portal_settings_save(
    *,
    actor: Any = None,
    logo: Any = None,
    remove_logo: bool = False,
    packages: Any = None,
    **fields: Any,
) -> PortalSettings:
    """Create or update the tenant's portal look: PORTAL_FIELDS, a logo (uploaded file) or its
    removal, and the packages shown (None: unchanged). Validated and audited as one change."""
    unknown = sorted(set(fields) - set(PORTAL_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a portal setting."] for name in unknown})
    image = portal_logo_read(logo) if logo is not None else None
    with transaction.atomic():
        current = PortalSettings.objects.select_for_update().first() or PortalSettings()
        before = {name: getattr(current, name) for name in fields}
        for name, value in fields.items():
            setattr(current, name, value)
        changes = audit_changes(before, fields)
        if image is not None:
            current.logo, current.logo_type = image
            changes["logo"] = {"old": None, "new": f"{image[1]}, {len(image[0])} bytes"}
        elif remove_logo and current.logo:
            current.logo, current.logo_type = None, ""
            changes["logo"] = {"old": "logo", "new": None}
        current.full_clean()
        current.save()
        if packages is not None:
            old = sorted(str(p) for p in current.packages.all())
            current.packages.set(packages)
            new = sorted(str(p) for p in current.packages.all())
            if old != new:
                changes["packages"] = {"old": old, "new": new}
        audit_record(
            actor=actor, action=AuditAction.PORTAL_SETTINGS_SAVE, obj=current, changes=changes
        )
    return current


def package_create(*, actor: Any = None, **fields: Any) -> Package:
    return row_create(
        obj=Package(**fields),
        action=AuditAction.PACKAGE_CREATE,
        actor=actor,
        changes={k: str(v) for k, v in fields.items()},
    )


def package_update(*, package: Package, actor: Any = None, **fields: Any) -> Package:
    """Existing subscriptions keep their access until their next payment re-applies it."""
    return fields_update(obj=package, fields=fields, action=AuditAction.PACKAGE_UPDATE, actor=actor)


def package_delete(*, package: Package, actor: Any = None) -> None:
    if package.payments.exists():
        raise ValidationError(f"{package} has payments: deactivate it instead.")
    row_delete(obj=package, action=AuditAction.PACKAGE_DELETE, actor=actor)


# -- initiate ------------------------------------------------------------------------------------
def payment_initiate(
    *,
    package_id: Any,
    phone_number: Any,
    mac_address: str = "",
    login_url: str = "",
    base_url: str = "",
    subscription: Subscription | None = None,
) -> Payment:
    """Validate, record a pending payment, send the STK push. `base_url` is the address the
    request came in on, used for the callback URL unless the settings name a public one.
    `subscription`: the one this payment renews (the portal's renew page), whichever phone
    pays; its package is the one bought."""
    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = normalize_phone(phone_number)
    except ValueError as exc:
        message = str(exc)
        errors["phone_number"] = [message[:1].upper() + message[1:]]
    package = None
    if subscription is not None:
        package_id = subscription.package_id
    if str(package_id).isdigit():
        # Only what the portal offers (its settings may hide some active packages); a renewal
        # buys its subscription's own package, shown on the portal or not.
        on_offer = Package.objects.filter(active=True) if subscription else portal_packages()
        package = on_offer.filter(pk=int(package_id)).first()
    if package is None:
        errors["package_id"] = ["Unknown package: choose one of the packages on offer."]
    if mac_address and not MAC_ADDRESS.match(mac_address):
        errors["mac_address"] = ["Not a MAC address (expected AA:BB:CC:DD:EE:FF)."]
    if errors:
        raise ValidationError(errors)
    config = daraja_settings()
    assert package is not None
    with transaction.atomic():
        payment = Payment.objects.create(
            package=package,
            phone=phone,
            amount=package.price,
            mac_address=mac_address.upper().replace("-", ":"),
            login_url=portal_login_url(requested=login_url, default=config.hotspot_login_url),
            subscription=subscription,
            renewal=subscription is not None,
        )
        payment_counted(payment)
        audit_record(
            actor=None,
            action=AuditAction.PAYMENT_INITIATE,
            obj=payment,
            changes={"package": package.name, "phone": mask_phone(phone)},
        )
    callback_url = (config.callback_base_url or base_url).rstrip("/") + CALLBACK_PATH.format(
        secret=config.callback_secret
    )
    request = {
        "phone": phone,
        "amount": int(package.price),
        "account_reference": config.account_reference,
        "description": package.name[:40],
        "callback_url": callback_url.replace(config.callback_secret, "***"),
    }
    try:
        result = daraja_client(config).stk_push(
            phone, int(package.price), config.account_reference, package.name[:40], callback_url
        )
    except (DarajaError, ValueError) as exc:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(
                status=PaymentStatus.FAILED,
                status_reason=str(exc)[:500],
                raw_request=request,
                processed_at=timezone.now(),
            )
            payment.refresh_from_db()
            payment_counted(payment)
            payment_publish(payment, "payment.failed")
        logger.warning("STK push for payment %s failed: %s", payment.pk, exc)
        raise PaymentPushFailed(payment, str(exc)) from exc
    with transaction.atomic():
        _lock_checkout(result.checkout_request_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.checkout_request_id = result.checkout_request_id
        payment.merchant_request_id = result.merchant_request_id
        payment.raw_request = request
        payment.raw_response = {
            "MerchantRequestID": result.merchant_request_id,
            "CheckoutRequestID": result.checkout_request_id,
            "ResponseCode": result.response_code,
            "ResponseDescription": result.response_description,
            "CustomerMessage": result.customer_message,
        }
        payment.save()
        payment_publish(payment, "payment.initiated")
        # A callback can beat this write (the push answer and the callback race): adopt it.
        early = (
            PaymentCallback.objects.filter(
                checkout_request_id=result.checkout_request_id,
                payment__isnull=True,
                outcome=CallbackOutcome.UNKNOWN,
            )
            .order_by("id")
            .first()
        )
        if early is not None:
            parsed = parse_callback(early.body)
            early.outcome = _record_result(payment, DarajaResult.of(parsed), ResolvedVia.CALLBACK)
            early.payment = payment
            early.save(update_fields=["outcome", "payment"])
    return payment


def _lock_checkout(checkout_request_id: str) -> None:
    """Serialise everything that touches one CheckoutRequestID (in this schema)."""
    _lock_checkouts([checkout_request_id])


def _lock_checkouts(checkout_request_ids: list[str]) -> None:
    """_lock_checkout for many, in one statement; taken in sorted order, so two batches sharing
    some IDs never wait on each other in a circle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s || id)) "
            "FROM unnest(%s::text[]) AS id ORDER BY id",
            [f"{connection.schema_name}:mpesa:", sorted(set(checkout_request_ids))],
        )


@dataclass(frozen=True)
class DarajaResult:
    """Daraja's final word on one STK push, by callback or STK query."""

    result_code: ResultCode
    result_desc: str
    amount: Decimal | None
    receipt: str | None

    @classmethod
    def of(cls, callback: StkCallback) -> DarajaResult:
        return cls(callback.result_code, callback.result_desc, callback.amount, callback.receipt)


def _record_results(results: list[tuple[Payment, DarajaResult]], via: str) -> list[str]:
    """Store Daraja's outcome on locked payments, once each, and queue their processing; each
    step one statement for them all (a drained batch of callbacks). The outcome per item, in
    order: ACCEPTED, or DUPLICATE for a payment already resolved (or earlier in `results`)."""
    from billing.tasks import ProcessPayment  # tasks imports this module

    receipts = {result.receipt for _, result in results if result.receipt}
    holders = dict(
        Payment.objects.filter(receipt__in=receipts).values_list("receipt", "pk")
        if receipts
        else []
    )
    now = timezone.now()
    outcomes: list[str] = []
    resolved: list[tuple[Payment, DarajaResult]] = []
    flagged: list[Payment] = []
    for payment, result in results:
        if payment.resolved_via:
            outcomes.append(CallbackOutcome.DUPLICATE)
            continue
        payment.result_code = str(result.result_code)
        payment.result_desc = result.result_desc[:500]
        payment.paid_amount = result.amount
        payment.resolved_via = via
        payment.resolved_at = now
        flag = ""
        if result.receipt and holders.get(result.receipt, payment.pk) != payment.pk:
            flag = f"M-Pesa receipt {result.receipt} was already used by another payment."
        else:
            payment.receipt = result.receipt or None
            if result.receipt:
                holders[result.receipt] = payment.pk
        if result.amount is not None and result.amount != payment.amount:
            # Decided on the amount as Daraja sent it: the column keeps cents, so 49.999 would
            # read back as 50.00 and pass the price check in payment_settle.
            flag = amount_mismatch(result.amount, payment.amount)
        if flag:
            payment.status, payment.status_reason = PaymentStatus.FLAGGED, flag
            flagged.append(payment)
        resolved.append((payment, result))
        outcomes.append(CallbackOutcome.ACCEPTED)
    if not resolved:
        return outcomes
    rows_update([payment for payment, _ in resolved], RESULT_FIELDS)
    if flagged:
        payments_counted(flagged)
    audit_record_each(
        actor=None,
        items=[
            (
                RESULT_ACTIONS[via],
                payment,
                {"result_code": result.result_code, "receipt": result.receipt or ""},
            )
            for payment, result in resolved
        ],
    )
    if flagged:
        # Settling skips a payment that is no longer pending: tell operators and the portal now.
        payments_publish([(payment, "payment.flagged") for payment in flagged])
    jobs_enqueue(
        kind=ProcessPayment,
        items=[(payment, {"payment_id": payment.pk}) for payment, _ in resolved],
    )
    return outcomes


def _record_result(payment: Payment, result: DarajaResult, via: str) -> str:
    return _record_results([(payment, result)], via)[0]


def amount_mismatch(paid: Decimal | None, price: Decimal) -> str:
    """The policy: only exactly the package's price grants access; any other amount is flagged."""
    # Cents as the amount column shows them, unless that would hide what was paid.
    shown = f"{paid:.2f}" if paid is not None and int(paid.as_tuple().exponent) >= -2 else paid
    return (
        f"Paid KES {shown}, the package costs KES {price}: "
        "no access granted; refund or grant by hand."
    )


# -- callback ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallbackReceipt:
    status: int  # the HTTP status to answer Daraja with
    outcome: str
    error: str = ""
    callback: PaymentCallback | None = None  # None: refused, nothing stored


def payment_callback_record(
    *, secret: str, body: bytes, remote_addr: str | None
) -> CallbackReceipt:
    """Store a callback as it arrived; a well-formed one waits in the inbox (billing.inbox) to be
    matched to its payment. A request without the secret, or from outside the allow-list, is only
    counted. Never raises for anything a caller can send."""
    # Only what the check needs: every encrypted field is decrypted on load.
    config = DarajaSettings.objects.only("callback_secret", "enforce_ip_allowlist").first()
    if config is None or not hmac.compare_digest(secret.encode(), config.callback_secret.encode()):
        return _refuse(remote_addr, len(body), "unknown callback secret", 404)
    if config.enforce_ip_allowlist and remote_addr not in SAFARICOM_CALLBACK_IPS:
        return _refuse(remote_addr, len(body), "not one of Safaricom's callback addresses", 403)
    # PostgreSQL text holds no NUL; the body is kept as sent otherwise.
    text = body[:MAX_CALLBACK_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    try:
        if len(body) > MAX_CALLBACK_BYTES:
            raise CallbackParseError(f"callback body larger than {MAX_CALLBACK_BYTES} bytes")
        parsed = parse_callback(body)
    except CallbackParseError as exc:
        logger.warning("M-Pesa callback from %s rejected: %s", remote_addr, exc)
        callback = PaymentCallback.objects.create(
            body=text, remote_addr=remote_addr, outcome=CallbackOutcome.MALFORMED, error=str(exc)
        )
        return CallbackReceipt(400, CallbackOutcome.MALFORMED, str(exc), callback)
    callback = PaymentCallback.objects.create(
        checkout_request_id=parsed.checkout_request_id,
        body=text,
        remote_addr=remote_addr,
        outcome=CallbackOutcome.RECEIVED,
    )
    schema_name = connection.schema_name  # this one, whatever schema is current at commit
    transaction.on_commit(lambda: inbox_wake(schema_name))
    return CallbackReceipt(200, CallbackOutcome.RECEIVED, callback=callback)


def _refuse(remote_addr: str | None, size: int, error: str, status: int) -> CallbackReceipt:
    """One log line and a counter: an unauthenticated request leaves nothing else behind."""
    logger.warning("M-Pesa callback refused from %s (%s bytes): %s", remote_addr, size, error)
    inbox_refused_add(connection.schema_name)
    return CallbackReceipt(status, CallbackOutcome.REFUSED, error)


def payment_callbacks_match(callbacks: list[PaymentCallback]) -> None:
    """Match waiting callbacks (rows locked by the inbox's drain, in arrival order) to their
    payments: the first word on a payment queues ProcessPayment, a later one is a duplicate, one
    for no payment here is unknown. One statement per step for the batch; the drain retries the
    rows one by one should the batch fail."""
    parsed: dict[int, StkCallback] = {}
    for callback in callbacks:
        try:
            parsed[callback.pk] = parse_callback(callback.body)
        except CallbackParseError as exc:  # stored parseable (by older rules, say): kept
            callback.outcome, callback.error = CallbackOutcome.MALFORMED, str(exc)[:500]
    checkout_ids = [p.checkout_request_id for p in parsed.values()]
    payments: dict[str, Payment] = {}
    if checkout_ids:
        _lock_checkouts(checkout_ids)
        rows = Payment.objects.select_for_update().filter(checkout_request_id__in=checkout_ids)
        payments = {payment.checkout_request_id: payment for payment in rows.order_by("pk")}
    matched: list[tuple[PaymentCallback, Payment, DarajaResult]] = []
    for callback in callbacks:
        if callback.pk not in parsed:
            continue
        checkout_id = parsed[callback.pk].checkout_request_id
        payment = payments.get(checkout_id)
        if payment is None:
            callback.outcome = CallbackOutcome.UNKNOWN
            logger.warning("M-Pesa callback for unknown CheckoutRequestID %s stored", checkout_id)
            continue
        callback.payment = payment
        matched.append((callback, payment, DarajaResult.of(parsed[callback.pk])))
    results = [(payment, result) for _, payment, result in matched]
    outcomes = _record_results(results, ResolvedVia.CALLBACK)
    for (callback, _, _), outcome in zip(matched, outcomes, strict=True):
        callback.outcome = outcome
    rows_update(callbacks, ["outcome", "payment", "error"])


def payment_callback_retry(*, callback_id: int, actor: Any = None) -> PaymentCallback:
    """Put a callback that needs attention back in the inbox, with fresh attempts."""
    with transaction.atomic():
        callback = PaymentCallback.objects.select_for_update().filter(pk=callback_id).first()
        if callback is None or callback.outcome != CallbackOutcome.QUARANTINED:
            state = "no such callback" if callback is None else callback.get_outcome_display()
            raise ValidationError(f"Callback #{callback_id} does not need attention ({state}).")
        callback.outcome, callback.attempts = CallbackOutcome.RECEIVED, 0
        callback.save(update_fields=["outcome", "attempts"])
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_CALLBACK_RETRY,
            obj=callback,
            changes={"last_error": callback.error},
        )
        schema_name = connection.schema_name
        transaction.on_commit(lambda: inbox_wake(schema_name))
    return callback


# -- settle --------------------------------------------------------------------------------------
def payment_settle(*, payment_id: int, now: Any = None) -> Payment:
    """Turn a resolved payment into access (or a failure / a flag). Idempotent."""
    with transaction.atomic():
        return _settle([payment_id], now or timezone.now())[payment_id]


def payments_settle(*, payment_ids: list[int]) -> dict[int, Payment | Exception]:
    """payment_settle for many payments, in the order given (their callbacks' order), each step
    one statement for them all. Should the batch fail (a payment the database refuses), each is
    settled alone, a savepoint each: the error stays its payment's, never the others'."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return dict(_settle(payment_ids, now))
    except Exception as exc:
        if len(payment_ids) == 1:
            return {payment_ids[0]: exc}
        logger.warning(
            "Settling %s payments at once failed, each alone now: %s", len(payment_ids), exc
        )
    settled: dict[int, Payment | Exception] = {}
    with transaction.atomic():
        for payment_id in payment_ids:
            try:
                settled[payment_id] = payment_settle(payment_id=payment_id, now=now)
            except Exception as exc:  # this payment's own savepoint is undone, never the rest
                settled[payment_id] = exc
    return settled


def _settle(payment_ids: list[int], now: Any) -> dict[int, Payment]:
    """The settling rules, for one payment or a batch: the rows locked in one SELECT, then each
    step one statement for the batch, the payments taken in the order given. In the caller's
    transaction."""
    # Only the payment rows (the package's stays unlocked, or every payment for it would queue
    # here), in pk order: two batches holding the same payment (a retry's) lock in one order.
    rows = Payment.objects.select_for_update().filter(pk__in=payment_ids).order_by("pk")
    locked = {payment.pk: payment for payment in rows}
    # Read once for the batch, not joined to each row: a burst buys few packages.
    packages = Package.objects.select_related("router__radius_server", "radius_server").in_bulk(
        {payment.package_id for payment in locked.values()}
    )
    for payment in locked.values():
        payment.package = packages[payment.package_id]
    for payment_id in payment_ids:
        if payment_id not in locked:
            raise Payment.DoesNotExist(f"Payment #{payment_id} does not exist.")
    due = [
        payment
        for payment in (locked[pk] for pk in dict.fromkeys(payment_ids))
        if payment.status == PaymentStatus.PENDING and payment.resolved_via
    ]
    actions: dict[int, AuditAction] = {}
    paying: list[Payment] = []
    for payment in due:
        payment.processed_at = now
        if payment.result_code != str(SUCCESS):
            code = result_code_from(payment.result_code)
            meaning = describe_result_code(code, payment.result_desc)
            payment.status = PaymentStatus.FAILED
            payment.status_reason = meaning.customer_text
            actions[payment.pk] = AuditAction.PAYMENT_FAILED
        elif payment.paid_amount is None or payment.paid_amount != payment.amount:
            payment.status = PaymentStatus.FLAGGED
            payment.status_reason = amount_mismatch(payment.paid_amount, payment.amount)
            actions[payment.pk] = AuditAction.PAYMENT_FLAGGED
        else:
            paying.append(payment)
    steps: dict[int, AuditItem] = {}
    if paying:
        customers = _customers_for(paying, now)
        activated = subscriptions_activate(
            activations=[(customers[p.pk], p.package) for p in paying], now=now
        )
        for payment, (subscription, step) in zip(paying, activated, strict=True):
            payment.customer, payment.subscription = customers[payment.pk], subscription
            payment.status, payment.status_reason = PaymentStatus.COMPLETED, ""
            actions[payment.pk], steps[payment.pk] = AuditAction.PAYMENT_COMPLETED, step
    rows_update(due, ["processed_at", "status", "status_reason", "customer", "subscription"])
    payments_counted(due)
    audits: list[AuditItem] = []
    for payment in due:
        if payment.pk in steps:
            audits.append(steps[payment.pk])
        changes = audit_changes({"status": PaymentStatus.PENDING}, {"status": payment.status})
        audits.append((actions[payment.pk], payment, {**changes, "reason": payment.status_reason}))
    audit_record_each(actor=None, items=audits)
    # Each event is named as the action; a completion has its event once access is set up.
    payments_publish(
        [(p, actions[p.pk].value) for p in due if actions[p.pk] != AuditAction.PAYMENT_COMPLETED]
    )
    return {payment_id: locked[payment_id] for payment_id in payment_ids}


def _customers_for(payments: list[Payment], now: Any) -> dict[int, Customer]:
    """Each payment's customer: the paying phone's (created at its first payment), or for a
    renewal the renewed subscription's. Locked in pk order, given the payment's MAC address and
    time, saved in one UPDATE."""
    renewed = dict(
        Subscription.objects.filter(
            pk__in={p.subscription_id for p in payments if p.subscription_id is not None}
        ).values_list("pk", "customer_id")
    )
    phones = sorted({p.phone for p in payments if p.subscription_id is None})
    if phones:  # one INSERT for the new phones (in order: two batches never wait on each other)
        Customer.objects.bulk_create([Customer(phone=p) for p in phones], ignore_conflicts=True)
    customers = list(
        Customer.objects.select_for_update()
        .filter(Q(phone__in=phones) | Q(pk__in=renewed.values()))
        .order_by("pk")
    )
    by_pk = {customer.pk: customer for customer in customers}
    by_phone = {customer.phone: customer for customer in customers}
    owners: dict[int, Customer] = {}
    for payment in payments:
        if payment.subscription_id is not None:
            customer = by_pk[renewed[payment.subscription_id]]
        else:
            customer = by_phone[payment.phone]
        if payment.mac_address and payment.mac_address not in customer.mac_addresses:
            customer.mac_addresses = [*customer.mac_addresses, payment.mac_address][-10:]
        customer.last_payment_at = now
        owners[payment.pk] = customer
    paid = list({customer.pk: customer for customer in owners.values()}.values())
    rows_update(paid, ["mac_addresses", "last_payment_at"])
    return owners


def subscription_activate(*, customer: Customer, package: Package, now: Any) -> Subscription:
    """Create, extend (still active) or reconnect (expired) the customer's subscription."""
    ((subscription, step),) = subscriptions_activate(activations=[(customer, package)], now=now)
    audit_record_each(actor=None, items=[step])
    return subscription


def subscriptions_activate(
    *, activations: list[tuple[Customer, Package]], now: Any
) -> list[tuple[Subscription, AuditItem]]:
    """subscription_activate for many (customer, package), in the order given: a second one for
    the same subscription extends what the first made. The rows locked in one SELECT and
    written in bulk, router users queued; each step's audit entry is returned for the caller to
    write with its own, in its order."""
    if not activations:
        return []
    buyers: dict[int, list[int]] = {}
    for customer, package in activations:
        buyers.setdefault(package.pk, []).append(customer.pk)
    wanted = Q()
    for package_id, customer_ids in buyers.items():
        wanted |= Q(package_id=package_id, customer_id__in=customer_ids)
    current = {
        (s.customer_id, s.package_id): s
        for s in Subscription.objects.select_for_update().filter(wanted).order_by("pk")
    }
    existing = list(current.values())
    created: list[Subscription] = []
    steps: list[tuple[Subscription, AuditItem]] = []
    for customer, package in activations:
        validity = timedelta(seconds=package.validity_seconds)
        router = package.router
        radius_server = package.radius_server or (router.radius_server if router else None)
        subscription = current.get((customer.pk, package.pk))
        if subscription is None:
            subscription = Subscription(
                customer=customer,
                package=package,
                password=_random(8),
                starts_at=now,
                ends_at=now + validity,
            )
            current[(customer.pk, package.pk)] = subscription
            created.append(subscription)
            before: dict[str, Any] = {}
            action = AuditAction.SUBSCRIPTION_CREATE
        elif subscription.status == SubscriptionStatus.ACTIVE and subscription.ends_at > now:
            before = {"ends_at": subscription.ends_at}
            subscription.ends_at += validity
            action = AuditAction.SUBSCRIPTION_EXTEND
        else:
            before = {"status": subscription.status, "ends_at": subscription.ends_at}
            subscription.starts_at, subscription.ends_at = now, now + validity
            action = AuditAction.SUBSCRIPTION_RECONNECT
        subscription.package = package  # the object at hand: its name labels the audit entry
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.router, subscription.radius_server = router, radius_server
        _access_pending(subscription)
        after = {"status": subscription.status, "ends_at": subscription.ends_at}
        steps.append((subscription, (action, subscription, audit_changes(before, after))))
    usernames = _new_usernames([subscription.radius_server for subscription in created])
    for subscription, username in zip(created, usernames, strict=True):
        subscription.username = username
    Subscription.objects.bulk_create(created)
    for subscription in existing:
        subscription.updated_at = timezone.now()  # an UPDATE of ours: auto_now is not applied
    rows_update(existing, ACTIVATED_FIELDS)
    for subscription, _ in steps:
        _queue_router_access(subscription)
    return steps


def _access_pending(subscription: Subscription) -> None:
    """Its access is (re)written to its RADIUS server and local-user router: mark it pending."""
    local_router = subscription.router is not None and subscription.router.radius_server_id is None
    subscription.cleanup_pending = False
    subscription.radius_state = (
        SyncState.PENDING if subscription.radius_server_id else SyncState.NOT_NEEDED
    )
    subscription.router_state = SyncState.PENDING if local_router else SyncState.NOT_NEEDED
    subscription.last_error = ""


def _queue_router_access(subscription: Subscription, actor: Any = None) -> None:
    from billing.tasks import ProvisionRouterUser  # tasks imports this module

    if subscription.router_state == SyncState.PENDING:
        job_enqueue(
            kind=ProvisionRouterUser,
            target=subscription,
            requested_by=actor,
            params={"subscription_id": subscription.pk},
        )


def subscription_update(
    *,
    subscription: Subscription,
    actor: Any = None,
    status: str | None = None,
    starts_at: Any = None,
    ends_at: Any = None,
) -> Subscription:
    """An operator's change of dates or status, applied to the network as a payment applies it:
    still active, its access is written again to RADIUS (by its payment's job) and the router;
    suspended or expired, it is removed from them (by the expiry job)."""
    from billing.tasks import ExpireSubscriptions, ProcessPayment  # tasks imports this module

    with transaction.atomic():
        locked = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("router", "package")
            .get(pk=subscription.pk)
        )
        before = {"status": locked.status, "starts_at": locked.starts_at, "ends_at": locked.ends_at}
        after = {
            "status": status or locked.status,
            "starts_at": starts_at or locked.starts_at,
            "ends_at": ends_at or locked.ends_at,
        }
        changes = audit_changes(before, after)
        if not changes:
            return locked
        locked.status, locked.starts_at, locked.ends_at = (
            after["status"],
            after["starts_at"],
            after["ends_at"],
        )
        locked.full_clean()
        granted = locked.status == SubscriptionStatus.ACTIVE and locked.ends_at > timezone.now()
        payment = locked.payments.filter(status=PaymentStatus.COMPLETED).first()
        if granted:
            if locked.radius_server_id and payment is None:
                raise ValidationError("This subscription has no completed payment to apply.")
            _access_pending(locked)
        else:
            # Past its end while active: the expiry job expires it, then removes its access.
            locked.cleanup_pending = locked.status != SubscriptionStatus.ACTIVE
        locked.save()
        audit_record(
            actor=actor, action=AuditAction.SUBSCRIPTION_UPDATE, obj=locked, changes=changes
        )
        if not granted:
            if locked.status != before["status"] and locked.status != SubscriptionStatus.ACTIVE:
                subscription_publish(locked, f"Subscription{locked.status.capitalize()}")
            job_enqueue(kind=ExpireSubscriptions, target=locked, requested_by=actor)
            return locked
        _queue_router_access(locked, actor)
        if locked.radius_state == SyncState.PENDING:
            # Settling is done once; the job then writes the subscription's RADIUS user again.
            job_enqueue(
                kind=ProcessPayment,
                target=payment,
                requested_by=actor,
                params={"payment_id": payment.pk},
            )
    return locked


def _random(length: int) -> str:
    return "".join(secrets.choice(CREDENTIAL_ALPHABET) for _ in range(length))


def _new_usernames(servers: list[RadiusServer | None]) -> list[str]:
    """A new username for each subscription to be made on these servers: unique among
    subscriptions and, with a server, in its username namespace. Checked for all at once; a
    name drawn that is taken (once in a billion) is drawn again."""
    names: dict[int, str] = {}
    while len(names) < len(servers):
        drawn = {i: USERNAME_PREFIX + _random(8) for i in range(len(servers)) if i not in names}
        taken = set(names.values())
        taken.update(
            Subscription.objects.filter(username__in=drawn.values()).values_list(
                "username", flat=True
            )
        )
        on_server: dict[RadiusServer, list[str]] = {}
        for i, name in drawn.items():
            if servers[i] is not None:
                on_server.setdefault(servers[i], []).append(name)
        for server, candidates in on_server.items():
            taken.update(username_owners(server=server, usernames=candidates))
        for i, name in drawn.items():
            if name not in taken:
                names[i] = name
                taken.add(name)
    return [names[i] for i in range(len(servers))]


# -- reconcile -----------------------------------------------------------------------------------
def payments_due_for_query(*, older_than: timedelta, now: Any = None) -> list[Payment]:
    cutoff = (now or timezone.now()) - older_than
    return list(
        Payment.objects.filter(
            status=PaymentStatus.PENDING, resolved_via=ResolvedVia.NONE, created_at__lte=cutoff
        )
        .exclude(checkout_request_id=None)
        .order_by("created_at")[:500]
    )


def payment_query_resolve(*, payment: Payment, client: DarajaClient) -> str:
    """STK-query one pending payment; a final answer is recorded as if a callback had come."""
    result = client.stk_query(payment.checkout_request_id or "")
    if result.pending:
        return "pending"
    with transaction.atomic():
        _lock_checkout(payment.checkout_request_id or "")
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        amount = locked.amount if result.succeeded else None
        code = SUCCESS if result.result_code is None else result.result_code
        outcome = _record_result(
            locked, DarajaResult(code, result.result_desc, amount, None), ResolvedVia.QUERY
        )
    return "resolved" if outcome == CallbackOutcome.ACCEPTED else "already resolved"


def payments_reconcile_enqueue(
    *, actor: Any = None, older_than_seconds: float | None = None, foreground: bool = False
) -> Job:
    """Queue an STK-query pass over pending payments (operators' button), or record one for the
    command to run in the foreground."""
    from billing.tasks import ReconcilePayments  # tasks imports this module

    params = {} if older_than_seconds is None else {"older_than_seconds": older_than_seconds}
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.PAYMENTS_RECONCILE, changes=params)
        return job_enqueue(
            kind=ReconcilePayments, requested_by=actor, params=params, foreground=foreground
        )
