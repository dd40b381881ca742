from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from radtik.jobs import selectors, services
from radtik.jobs.choices import JobStatus
from radtik.jobs.filtersets import JobFilter
from radtik.jobs.models import Job
from radtik.lists import list_page
from radtik.permissions import role_required
from tenants.accounts.models import Role


@role_required(Role.VIEWER)
def job_list(request):
    listing = list_page(request, select=selectors.job_list, filterset_class=JobFilter)
    context = {
        "jobs": listing.page,
        "listing": listing,
        "status": request.GET.get("status"),
        "statuses": JobStatus,
    }
    return render(request, "jobs/list.html", context, status=listing.status)


@role_required(Role.VIEWER)
def job_page(request, pk: int):
    return job_page_render(request, get_object_or_404(Job, pk=pk))


def job_page_render(
    request: HttpRequest, job: Job, *, shown_once: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    """The job page; `shown_once` ({label, value}): a secret its starter sees here only."""
    context = {"job": job, "log": job.log_lines.all(), "shown_once": shown_once}
    return render(request, "jobs/detail.html", context, status=status)


@require_POST
@role_required(Role.OPERATOR)
def job_retry(request, pk: int):
    job = get_object_or_404(Job, pk=pk)
    try:
        services.job_retry(job=job, actor=request.user)
        messages.success(request, f"Job #{job.pk} queued again.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("job-page", pk=job.pk)
