from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from radtik.lists import list_page
from radtik.permissions import role_required
from tenants.accounts.models import Role
from vouchers import selectors, services
from vouchers.filtersets import VoucherBatchFilter
from vouchers.models import VoucherBatch
from vouchers.selectors import batch_counts
from vouchers.sheets import sheet_rows


@role_required(Role.VIEWER)
def batch_list(request):
    listing = list_page(request, select=selectors.batch_list, filterset_class=VoucherBatchFilter)
    rows = [(batch, batch_counts(batch)) for batch in listing.page]
    context = {"rows": rows, "listing": listing}
    return render(request, "vouchers/list.html", context, status=listing.status)


@role_required(Role.VIEWER)
def batch_detail(request, pk: int):
    batch = get_object_or_404(selectors.batch_list(), pk=pk)
    return render(
        request,
        "vouchers/detail.html",
        {
            "batch": batch,
            "counts": batch_counts(batch),
            "failed": batch.vouchers.filter(radius_sync_status="failed")[:50],
        },
    )


@role_required(Role.VIEWER)
def batch_sheet(request, pk: int):
    batch = get_object_or_404(VoucherBatch.objects.select_related("profile"), pk=pk)
    login_url = request.GET.get("login_url", "http://hotspot.login/login")
    return render(
        request,
        "vouchers/sheet.html",
        {"batch": batch, "rows": sheet_rows(batch, login_url=login_url)},
    )


@require_POST
@role_required(Role.OPERATOR)
def batch_retry_failed(request, pk: int):
    batch = get_object_or_404(VoucherBatch, pk=pk)
    try:
        job = services.batch_sync(batch=batch, only_failed=True, actor=request.user)
        messages.success(request, f"Retrying failed vouchers (job #{job.pk}).")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("voucher-batch", pk=pk)
