"""Router rules used by pages, API, commands and jobs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from radtik.audit.services import audit_record
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from routers.choices import IMPORT_KIND, ImportWhat, RouterStatus
from routers.models import Router

IMPORTABLE = (
    RouterStatus.ONLINE,
    RouterStatus.ACTIVE,
    RouterStatus.CONNECTION_FAILED,
    RouterStatus.FAILED,
)


def router_import_start(
    *, router: Router, what: str, actor: Any = None, foreground: bool = False
) -> Job:
    """Queue an import of pools and/or PPP secrets; the caller answers 202 with the job.

    `foreground` only records the job, for a command that runs it itself.
    """
    if what not in ImportWhat.values:
        raise ValidationError({"what": [f"Choose one of: {', '.join(ImportWhat.values)}."]})
    if router.status == RouterStatus.CONFIG_PENDING:
        raise ValidationError(
            f"Router {router.name} has not been reached yet: apply its bootstrap script first."
        )
    with transaction.atomic():
        audit_record(actor=actor, action="router.import", obj=router, changes={"what": what})
        return job_enqueue(
            kind=IMPORT_KIND,
            target=router,
            requested_by=actor,
            params={"router_id": router.pk, "what": what},
            foreground=foreground,
        )
