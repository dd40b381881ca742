"""Billing pages: the public captive portal, the M-Pesa callback, and operator pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_filters import FilterSet

from billing import selectors
from billing.choices import MAX_CALLBACK_BYTES, ResolvedVia
from billing.filtersets import (
    CustomerFilter,
    PaymentCallbackFilter,
    PaymentFilter,
    SubscriptionFilter,
)
from billing.forms import DarajaSettingsForm
from billing.fragments import portal_context
from billing.inbox import inbox_refused_count
from billing.models import DarajaSettings, Package, Payment
from billing.mpesa import CALLBACK_ACK
from billing.services import (
    PaymentPushFailed,
    daraja_settings_save,
    payment_callback_record,
    payment_callback_retry,
    payment_initiate,
)
from radtik.lists import list_page
from radtik.permissions import role_required
from radtik.throttling import PaymentInitiateThrottle, throttled_for
from tenants.accounts.models import Role

logger = logging.getLogger(__name__)


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


# -- captive portal (public) ---------------------------------------------------------------------
def portal(request: HttpRequest) -> HttpResponse:
    """Packages and a phone field; MikroTik's login page links here with ?mac=&link-login-only=."""
    context = {
        "packages": Package.objects.filter(active=True),
        "mac": request.POST.get("mac") or request.GET.get("mac", ""),
        "login_url": request.POST.get("login_url") or request.GET.get("link-login-only", ""),
        "errors": {},
        "values": request.POST,
    }
    wait = throttled_for(PaymentInitiateThrottle(), request) if request.method == "POST" else None
    if wait:
        context["errors"] = {"general": [f"Too many attempts from your network: try in {wait} s."]}
        return render(request, "billing/portal.html", context, status=429)
    if request.method == "POST":
        try:
            payment = payment_initiate(
                package_id=request.POST.get("package_id"),
                phone_number=request.POST.get("phone_number", ""),
                mac_address=context["mac"],
                login_url=context["login_url"],
                base_url=request_base_url(request),
            )
            return redirect("portal-payment", token=payment.token)
        except ValidationError as exc:
            has_fields = hasattr(exc, "error_dict")
            context["errors"] = exc.message_dict if has_fields else {"general": exc.messages}
        except PaymentPushFailed as exc:
            return redirect("portal-payment", token=exc.payment.token)
    status = 400 if context["errors"] else 200
    return render(request, "billing/portal.html", context, status=status)


def portal_payment(request: HttpRequest, token: str) -> HttpResponse:
    """Waits live on `payment.<token>`; a reload shows the current state."""
    payment = get_object_or_404(
        Payment.objects.select_related("package", "subscription"), token=token
    )
    return render(request, "billing/portal_payment.html", portal_context(payment))


# -- Daraja callback (no auth, no CSRF: the secret in the URL names the tenant's app) ----------
@csrf_exempt
@require_POST
def mpesa_callback(request: HttpRequest, secret: str) -> HttpResponse:
    # One byte past the limit says "too large"; read() skips request.body's 2.5 MB check (a 500).
    body = request.read(MAX_CALLBACK_BYTES + 1)
    try:
        receipt = payment_callback_record(
            secret=secret, body=body, remote_addr=request.META.get("REMOTE_ADDR")
        )
    except Exception:  # never a 500 to Daraja: it would resend; the body is in the log
        logger.exception("M-Pesa callback could not be stored: %r", body[:2000])
        return JsonResponse({"ResultCode": 1, "ResultDesc": "Temporarily unavailable"}, status=503)
    if receipt.status == 200:
        return JsonResponse(CALLBACK_ACK)
    return JsonResponse(
        {"ResultCode": 1, "ResultDesc": f"Rejected: {receipt.error}"}, status=receipt.status
    )


# -- operator pages ------------------------------------------------------------------------------
def _list(
    request: HttpRequest,
    template: str,
    select: Callable[..., QuerySet],
    filterset_class: type[FilterSet],
    name: str,
    **extra: object,
) -> HttpResponse:
    listing = list_page(request, select=select, filterset_class=filterset_class)
    context = {name: listing.page, "listing": listing, **extra}
    return render(request, template, context, status=listing.status)


@role_required(Role.VIEWER)
def payment_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "billing/payments.html",
        selectors.payment_list,
        PaymentFilter,
        "payments",
        attention=selectors.callbacks_needing_attention().count(),
    )


def _resolved_by_query(*, filters: QueryDict) -> QuerySet[Payment]:
    return selectors.payment_list(filters={**filters.dict(), "resolved_via": ResolvedVia.QUERY})


@role_required(Role.VIEWER)
def reconciled_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "billing/reconciled.html", _resolved_by_query, PaymentFilter, "payments")


@role_required(Role.VIEWER)
def callback_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "billing/callbacks.html",
        selectors.callback_list,
        PaymentCallbackFilter,
        "callbacks",
        attention=selectors.callbacks_needing_attention()[:200],
        refused=inbox_refused_count(connection.schema_name),
    )


@require_POST
@role_required(Role.OPERATOR)
def callback_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        payment_callback_retry(callback_id=pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Callback #{pk} is back in the inbox.")
    return redirect("billing-callbacks")


@role_required(Role.VIEWER)
def customer_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request, "billing/customers.html", selectors.customer_list, CustomerFilter, "customers"
    )


@role_required(Role.VIEWER)
def subscription_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "billing/subscriptions.html",
        selectors.subscription_list,
        SubscriptionFilter,
        "subscriptions",
    )


@require_POST
@role_required(Role.OPERATOR)
def reconcile_now(request: HttpRequest) -> HttpResponse:
    from billing.services import payments_reconcile_enqueue

    job = payments_reconcile_enqueue(actor=request.user, older_than_seconds=0)
    return redirect("job-page", pk=job.pk)


@role_required(Role.ADMIN)
def daraja_settings_page(request: HttpRequest) -> HttpResponse:
    """The tenant's M-Pesa (Daraja) account. Credentials are write-only (billing.forms)."""
    form = DarajaSettingsForm(request.POST or None, instance=DarajaSettings.objects.first())
    if request.method == "POST":
        if form.is_valid():
            try:
                daraja_settings_save(actor=request.user, **form.changed_settings())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "M-Pesa settings saved.")
                return redirect("billing-settings")
        return render(request, "billing/settings.html", {"form": form}, status=400)
    return render(request, "billing/settings.html", {"form": form})
