from django.db.models import QuerySet

from radtik.jobs.models import Job


def job_list(*, status: str | None = None, kind: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.select_related("requested_by")
    if status:
        jobs = jobs.filter(status=status)
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs
