"""Billing pages: the public captive portal, the M-Pesa callback, and operator pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_filters import FilterSet

from billing import selectors
from billing.choices import MAX_CALLBACK_BYTES, ResolvedVia
from billing.filtersets import (
    CustomerFilter,
    PackageFilter,
    PaymentCallbackFilter,
    PaymentFilter,
    SubscriptionFilter,
)
from billing.forms import DarajaSettingsForm, PackageForm, PortalSettingsForm
from billing.fragments import portal_context
from billing.inbox import inbox_refused_count
from billing.login_links import link_orig, portal_login_url
from billing.models import DarajaSettings, Package, Payment, Subscription
from billing.mpesa import CALLBACK_ACK
from billing.services import (
    PaymentPushFailed,
    daraja_settings,
    daraja_settings_save,
    package_create,
    package_delete,
    package_update,
    payment_callback_record,
    payment_callback_retry,
    payment_initiate,
    portal_settings_save,
)
from radtik.lists import list_page
from radtik.pages import action_post, edit_page, form_page
from radtik.permissions import role_required, user_has_role
from radtik.throttling import PaymentInitiateThrottle, throttled_for
from tenants.accounts.models import Role

logger = logging.getLogger(__name__)


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


# -- captive portal (public) ---------------------------------------------------------------------
def portal(request: HttpRequest) -> HttpResponse:
    """Packages and a phone field; MikroTik's login page links here with ?mac=&link-login-only=."""
    context = {
        "packages": selectors.portal_packages(),
        "mac": request.POST.get("mac") or request.GET.get("mac", ""),
        "ip": request.POST.get("ip") or request.GET.get("ip", ""),
        "login_url": request.POST.get("login_url") or request.GET.get("link-login-only", ""),
        "link_orig": request.POST.get("link_orig") or request.GET.get("link-orig", ""),
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


def portal_renew(request: HttpRequest) -> HttpResponse:
    """Where a walled PPPoE subscriber's web traffic is sent (the router's renew list): the
    account's subscription, and M-Pesa to renew it through the portal's payment flow."""
    account = (request.POST.get("account") or request.GET.get("account") or "").strip()
    subscription = None
    if account:
        subscription = (
            Subscription.objects.select_related("package").filter(username=account).first()
        )
    context = {"account": account, "subscription": subscription, "errors": {}}
    if account and subscription is None:
        context["errors"] = {"account": ["No subscription with this account name."]}
    if request.method != "POST" or subscription is None:
        return render(
            request, "billing/portal_renew.html", context, status=400 if context["errors"] else 200
        )
    wait = throttled_for(PaymentInitiateThrottle(), request)
    if wait:
        context["errors"] = {"general": [f"Too many attempts from your network: try in {wait} s."]}
        return render(request, "billing/portal_renew.html", context, status=429)
    try:
        payment = payment_initiate(
            package_id=subscription.package_id,
            phone_number=request.POST.get("phone_number", ""),
            base_url=request_base_url(request),
            subscription=subscription,
        )
        return redirect("portal-payment", token=payment.token)
    except ValidationError as exc:
        context["errors"] = (
            exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
        )
    except PaymentPushFailed as exc:
        return redirect("portal-payment", token=exc.payment.token)
    return render(request, "billing/portal_renew.html", context, status=400)


@require_POST
def portal_voucher(request: HttpRequest) -> HttpResponse:
    """A voucher typed on the portal logs the device in at the router that sent it here (one of
    this account's hotspots only: the code and password go nowhere else)."""
    code = request.POST.get("code", "").strip()
    login_url = portal_login_url(
        requested=request.POST.get("login_url", ""), default=daraja_settings().hotspot_login_url
    )
    if not code:
        return redirect("portal")
    context = {
        "login_url": login_url,
        "username": code,
        "password": request.POST.get("password", "").strip() or code,
        "dst": link_orig(request.POST.get("link_orig", "")),
    }
    return render(request, "billing/portal_voucher.html", context)


def portal_logo(request: HttpRequest) -> HttpResponse:
    """The portal's logo (public: the portal and unpaid customers load it)."""
    look = selectors.portal_settings()
    if not look.logo:
        raise Http404("No logo")
    response = HttpResponse(bytes(look.logo), content_type=look.logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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


@role_required(Role.ADMIN)
def portal_settings_page(request: HttpRequest) -> HttpResponse:
    """The portal's title, logo, colours, terms and the packages it sells."""
    form = PortalSettingsForm(
        request.POST or None, request.FILES or None, instance=selectors.portal_settings()
    )
    return form_page(
        request,
        form=form,
        save=lambda data: portal_settings_save(actor=request.user, **form.changed_settings()),
        title="Portal settings",
        done=reverse("portal-settings"),
        message="Portal settings saved.",
        context={
            "intro": "What customers see on the captive portal. Routers show the title on their "
            "login page from their next deploy.",
            "back": reverse("portal"),
            "back_label": "Open the portal",
        },
    )


# -- packages ------------------------------------------------------------------------------------
@role_required(Role.VIEWER)
def package_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "billing/packages.html",
        selectors.package_list,
        PackageFilter,
        "packages",
        can_admin=user_has_role(request.user, Role.ADMIN),
    )


@role_required(Role.ADMIN)
def package_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=PackageForm(request.POST or None),
        save=lambda data: package_create(**data, actor=request.user),
        title="New package",
        done=reverse("billing-packages"),
        message=lambda package: f"Package {package.name} created.",
        context={"back": reverse("billing-packages"), "back_label": "Packages"},
    )


@role_required(Role.ADMIN)
def package_edit(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(Package, pk=pk)
    return edit_page(
        request,
        form=PackageForm(request.POST or None, instance=package),
        update=lambda stored, **changed: package_update(
            package=stored, actor=request.user, **changed
        ),
        title=f"Package {package.name}",
        done=reverse("billing-packages"),
        message=lambda saved: f"Package {saved.name} saved.",
        template="billing/package_edit.html",
        context={"package": package, "back": reverse("billing-packages"), "back_label": "Packages"},
    )


@require_POST
@role_required(Role.ADMIN)
def package_remove(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(Package, pk=pk)
    return action_post(
        request,
        act=lambda: package_delete(package=package, actor=request.user),
        done=reverse("billing-packages"),
        message=f"Package {package.name} deleted.",
    )
