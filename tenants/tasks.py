from radtik.jobs.registry import job_kind
from tenants.services import CREATE_KIND, tenant_mark_failed, tenant_provision

job_kind(CREATE_KIND, on_failed=tenant_mark_failed)(tenant_provision)
