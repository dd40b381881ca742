"""Audit entries are kept longer than the rest (the tenant's audit_retention_days, two years by
default): radtik.jobs.retention prunes older ones."""

from radtik.audit.models import AuditEntry
from radtik.jobs.retention import RetentionRule, retention_register

retention_register(
    RetentionRule(
        name="audit entries",
        days_setting="audit_retention_days",
        rows=lambda cutoff: AuditEntry.objects.filter(at__lt=cutoff),
    )
)
