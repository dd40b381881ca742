"""Voucher pages: batches (create, sheet, print file, retry, disable, delete), their vouchers,
and profiles. Thin: every write is a vouchers.services call, as in the API."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from radtik.jobs.models import Job
from radtik.lists import list_page
from radtik.money import tenant_currency
from radtik.pages import action_post, edit_page, form_page
from radtik.permissions import role_required, user_has_role
from tenants.accounts.models import Role
from vouchers import selectors, services
from vouchers.filtersets import VoucherBatchFilter, VoucherFilter, VoucherProfileFilter
from vouchers.forms import BatchCreateForm, ProfileForm, SheetForm
from vouchers.models import Voucher, VoucherBatch, VoucherProfile
from vouchers.printing import print_file_path
from vouchers.selectors import batch_counts
from vouchers.sheets import (
    DEFAULT_LOGIN_URL,
    DIRECT_MAX,
    LAYOUTS,
    cards_html,
    sheet_document,
    sheet_vouchers,
)
from vouchers.tasks import PrintSheet


# -- batches -------------------------------------------------------------------------------------
@role_required(Role.VIEWER)
def batch_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    status = context["listing"].status  # a refused filter is a 400 with its message
    return render(
        request, "vouchers/list.html", {"form": BatchCreateForm(), **context}, status=status
    )


@require_POST
@role_required(Role.OPERATOR)
def batch_create(request: HttpRequest) -> HttpResponse:
    """The form on the batch list; its errors are shown there, in words (400)."""
    return form_page(
        request,
        form=BatchCreateForm(request.POST),
        save=lambda data: services.batch_create(**data, actor=request.user),
        title="Voucher batches",
        done=lambda made: reverse("voucher-batch", args=[made.batch.pk]),
        message=lambda made: (
            f"Batch #{made.batch.pk}: {made.batch.count} voucher(s) made; syncing to "
            f"{made.batch.radius_server} (job #{made.job.pk})."
        ),
        template="vouchers/list.html",
        context=_list_context(request),
    )


def _list_context(request: HttpRequest) -> dict:
    listing = list_page(request, select=selectors.batch_list, filterset_class=VoucherBatchFilter)
    return {
        "rows": [(batch, batch_counts(batch)) for batch in listing.page],
        "listing": listing,
        "can_operate": user_has_role(request.user, Role.OPERATOR),
        "has_profiles": VoucherProfile.objects.exists(),
    }


@role_required(Role.VIEWER)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.batch_list(), pk=pk)
    query = request.GET.dict()
    counts = batch_counts(batch)
    listing = list_page(
        request,
        select=lambda filters: selectors.batch_voucher_list(batch=batch, filters=query),
        filterset_class=VoucherFilter,
        unfiltered_count=counts["total"],
    )
    prints = Job.objects.filter(
        kind=PrintSheet.name, target_type="vouchers.voucherbatch", target_id=str(batch.pk)
    )[:5]
    return render(
        request,
        "vouchers/detail.html",
        {
            "batch": batch,
            "counts": counts,
            "listing": listing,
            "vouchers": listing.page,
            "sheet_form": SheetForm(),
            "parts": [
                (n, (n - 1) * DIRECT_MAX + 1, min(n * DIRECT_MAX, batch.count))
                for n in range(1, (batch.count + DIRECT_MAX - 1) // DIRECT_MAX + 1)
            ],
            "prints": prints,
            "topics": ",".join([services.batch_topic(batch), *(f"job.{j.pk}" for j in prints)]),
            "can_operate": user_has_role(request.user, Role.OPERATOR),
        },
        status=listing.status,
    )


@role_required(Role.VIEWER)
def batch_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Up to DIRECT_MAX vouchers at once (`?part=2` for the next); a whole large batch is a
    print job (batch_print)."""
    batch = get_object_or_404(VoucherBatch.objects.select_related("profile"), pk=pk)
    # The options form sends its layout; a bare link (or one with only login_url) gets the defaults.
    form = SheetForm(request.GET if "layout" in request.GET else None)
    layout, qr = "a4", True
    if form.is_bound:
        if not form.is_valid():
            return HttpResponse(
                "Bad sheet options: "
                + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
                status=400,
                content_type="text/plain",
            )
        layout, qr = form.cleaned_data["layout"], form.cleaned_data["qr"]
    try:
        part = max(1, int(request.GET.get("part", 1)))
    except ValueError:
        return HttpResponse("part must be a number", status=400, content_type="text/plain")
    cards = cards_html(
        batch,
        sheet_vouchers(batch, part=part),
        login_url=request.GET.get("login_url") or DEFAULT_LOGIN_URL,
        currency=tenant_currency(),
        qr=qr,
    )
    back = reverse("voucher-batch", args=[batch.pk])
    toolbar = (
        f'<p class="noprint"><a href="{back}">← Batch #{batch.pk}</a> '
        "<button data-print>Print</button></p>"
    )
    html = sheet_document(
        title=f"Vouchers · batch {batch.pk}", layout=layout, cards=cards, toolbar=toolbar
    )
    return HttpResponse(html)


@require_POST
@role_required(Role.OPERATOR)
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(VoucherBatch, pk=pk)
    form = SheetForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a layout: {', '.join(LAYOUTS)}.")
        return redirect("voucher-batch", pk=pk)
    return action_post(
        request,
        act=lambda: services.sheet_print_start(
            batch=batch,
            layout=form.cleaned_data["layout"],
            qr=form.cleaned_data["qr"],
            login_url=request.POST.get("login_url") or DEFAULT_LOGIN_URL,
            currency=tenant_currency(),
            actor=request.user,
        ),
        done=reverse("voucher-batch", args=[pk]),
        message=lambda job: f"Preparing the print file (job #{job.pk}).",
    )


@role_required(Role.VIEWER)
def batch_print_file(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    """The file of a finished print job of this batch, in this tenant's folder only."""
    job = get_object_or_404(
        Job,
        pk=job_id,
        kind=PrintSheet.name,
        target_type="vouchers.voucherbatch",
        target_id=str(pk),
        status="succeeded",
    )
    path = print_file_path(connection.schema_name, job.pk)
    if not path.exists():
        raise Http404("This print file is gone: prepare it again.")
    return FileResponse(path.open("rb"), content_type="text/html; charset=utf-8")


@require_POST
@role_required(Role.OPERATOR)
def batch_retry_failed(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(VoucherBatch, pk=pk)
    return action_post(
        request,
        act=lambda: services.batch_sync(batch=batch, only_failed=True, actor=request.user),
        done=reverse("voucher-batch", args=[pk]),
        message=lambda job: f"Retrying failed vouchers (job #{job.pk}).",
    )


@require_POST
@role_required(Role.OPERATOR)
def batch_disable(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(VoucherBatch, pk=pk)
    return action_post(
        request,
        act=lambda: services.vouchers_bulk_disable(batch=batch, actor=request.user),
        done=reverse("voucher-batch", args=[pk]),
        message=lambda job: f"Disabling batch #{pk} and removing it from RADIUS (job #{job.pk}).",
    )


@require_POST
@role_required(Role.OPERATOR)
def batch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(VoucherBatch, pk=pk)
    return action_post(
        request,
        act=lambda: services.vouchers_bulk_delete(batch=batch, actor=request.user),
        done=reverse("voucher-batches"),
        back=reverse("voucher-batch", args=[pk]),
        message=lambda job: f"Deleting batch #{pk}, from RADIUS first (job #{job.pk}).",
    )


@require_POST
@role_required(Role.OPERATOR)
def batch_selection(request: HttpRequest, pk: int) -> HttpResponse:
    """The vouchers ticked on the batch page, disabled or deleted as one job."""
    batch = get_object_or_404(VoucherBatch, pk=pk)
    action = request.POST.get("action")
    acts = {"disable": services.vouchers_bulk_disable, "delete": services.vouchers_bulk_delete}
    if action not in acts:
        messages.error(request, "Choose disable or delete.")
        return redirect("voucher-batch", pk=pk)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    return action_post(
        request,
        act=lambda: acts[action](
            voucher_ids=list(batch.vouchers.filter(pk__in=ids).values_list("pk", flat=True)),
            actor=request.user,
        ),
        done=reverse("voucher-batch", args=[pk]),
        message=lambda job: f"{len(ids)} voucher(s): {action} queued (job #{job.pk}).",
    )


@require_POST
@role_required(Role.OPERATOR)
def voucher_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    voucher = get_object_or_404(Voucher.objects.select_related("batch"), pk=pk)
    back = reverse("voucher-batch", args=[voucher.batch_id])
    acts = {"disable": services.vouchers_bulk_disable, "delete": services.vouchers_bulk_delete}
    if action not in acts:
        raise Http404("No such action")
    return action_post(
        request,
        act=lambda: acts[action](voucher_ids=[voucher.pk], actor=request.user),
        done=back,
        message=lambda job: f"Voucher {voucher.username}: {action} queued (job #{job.pk}).",
    )


# -- profiles ------------------------------------------------------------------------------------
@role_required(Role.VIEWER)
def profile_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request, select=selectors.profile_list, filterset_class=VoucherProfileFilter
    )
    return render(
        request,
        "vouchers/profiles.html",
        {
            "profiles": listing.page,
            "listing": listing,
            "can_admin": user_has_role(request.user, Role.ADMIN),
            "currency": tenant_currency(),
        },
        status=listing.status,
    )


@role_required(Role.ADMIN)
def profile_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=ProfileForm(request.POST or None),
        save=lambda data: services.profile_create(**data, actor=request.user),
        title="New voucher profile",
        done=reverse("voucher-profiles"),
        message=lambda profile: f"Profile {profile} created.",
        context={"back": reverse("voucher-profiles"), "back_label": "Profiles"},
    )


@role_required(Role.ADMIN)
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(VoucherProfile, pk=pk)
    return edit_page(
        request,
        form=ProfileForm(request.POST or None, instance=profile),
        update=lambda stored, **changed: services.profile_update(
            profile=stored, actor=request.user, **changed
        ),
        title=f"Profile {profile}",
        done=reverse("voucher-profiles"),
        message=lambda saved: f"Profile {saved} saved.",
        template="vouchers/profile_edit.html",
        context={"profile": profile, "back": reverse("voucher-profiles"), "back_label": "Profiles"},
    )


@require_POST
@role_required(Role.ADMIN)
def profile_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(VoucherProfile, pk=pk)
    return action_post(
        request,
        act=lambda: services.profile_delete(profile=profile, actor=request.user),
        done=reverse("voucher-profiles"),
        message=f"Profile {profile} deleted.",
    )
