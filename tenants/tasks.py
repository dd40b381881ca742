from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from tenants.services import tenant_mark_failed, tenant_provision, tenant_spare_prepare

CreateTenant = JobKind(
    name="tenants.create",
    policy=JobPolicy(attempts=3, timeout=300, backoff=5),
    run=tenant_provision,
    on_failed=tenant_mark_failed,
)

PrepareSpareSchema = JobKind(
    name="tenants.spare",
    policy=JobPolicy(attempts=2, timeout=300, backoff=5),
    run=tenant_spare_prepare,
)
