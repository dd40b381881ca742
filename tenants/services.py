"""Tenant lifecycle: request creation (202 + job), provision in the worker, suspend, activate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.text import slugify
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from radtik.events import publish
from radtik.hashers import GENERATED_PASSWORD_HASHER
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.writes import fields_update
from tenants.accounts.models import Role, User
from tenants.choices import RESERVED_SLUGS, TenantStatus
from tenants.models import Domain, Tenant
from tenants.schema_template import schema_create, spare_prepare

STATUS_ACTIONS = {
    TenantStatus.SUSPENDED: AuditAction.TENANT_SUSPEND,
    TenantStatus.ACTIVE: AuditAction.TENANT_REACTIVATE,
}


@dataclass(frozen=True)
class TenantCreation:
    tenant: Tenant
    job: Job
    admin_password: str  # shown once to whoever asked, never stored in clear


def tenant_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def tenant_create(
    *,
    name: str,
    slug: str,
    admin_username: str = "admin",
    admin_email: str = "",
    admin_password: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    requested_by: Any = None,
) -> TenantCreation:
    """Reserve the slug now and create the schema, admin and domain in a background job."""
    from tenants.tasks import CreateTenant  # tasks imports this module

    slug = (slug or slugify(name)).strip().lower()
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Name is required."]
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        errors["slug"] = [f"'{slug}' is reserved; choose another."]
    elif (
        Tenant.objects.filter(slug=slug).exists()
        or Domain.objects.filter(domain=tenant_domain(slug)).exists()
    ):
        errors["slug"] = [f"A tenant with slug '{slug}' already exists."]
    if not admin_username.strip():
        errors["admin_username"] = ["Admin username is required."]
    if admin_password:
        try:
            validate_password(
                admin_password, User(username=admin_username.strip(), email=admin_email)
            )
        except ValidationError as exc:
            errors["admin_password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    password = admin_password or secrets.token_urlsafe(12)
    tenant = Tenant(
        name=name.strip(),
        slug=slug,
        schema_name=slug.replace("-", "_"),
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        status=TenantStatus.PROVISIONING,
    )
    tenant.full_clean()
    with transaction.atomic():
        tenant.save()
        audit_record(
            actor=requested_by, action=AuditAction.TENANT_CREATE, obj=tenant, changes={"slug": slug}
        )
        job = job_enqueue(
            kind=CreateTenant,
            target=tenant,
            requested_by=requested_by,
            params={
                "tenant_id": tenant.pk,
                "admin_username": admin_username.strip(),
                "admin_email": admin_email,
                # A hash, never the password: job params are stored and shown to admins. One
                # radtik drew at random needs no slow hash (radtik.hashers).
                "admin_password_hash": make_password(
                    password, hasher="default" if admin_password else GENERATED_PASSWORD_HASHER
                ),
            },
        )
        publish(None, "tenants", "tenant.created", _tenant_payload(tenant))
    return TenantCreation(tenant=tenant, job=job, admin_password=password)


def tenant_provision(ctx: JobContext) -> dict[str, Any]:
    """Job body. Every step checks before it acts, so a re-run after a crash finishes the work."""
    from tenants.tasks import PrepareSpareSchema  # tasks imports this module

    tenant = Tenant.objects.get(pk=ctx.params["tenant_id"])
    ctx.progress("schema", 10, f"Creating schema {tenant.schema_name}")
    if not schema_exists(tenant.schema_name):
        schema_create(tenant.schema_name)
    else:
        # A previous attempt may have died mid-migration: finish it.
        from django.core.management import call_command

        call_command(
            "migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0
        )
    connection.set_schema_to_public()  # migrations leave the connection on the new schema
    ctx.progress("admin", 70, f"Creating admin user {ctx.params['admin_username']}")
    with schema_context(tenant.schema_name):
        admin, created = User.objects.get_or_create(
            username=ctx.params["admin_username"],
            defaults={
                "email": ctx.params.get("admin_email", ""),
                "password": ctx.params["admin_password_hash"],
                "role": Role.ADMIN,
                "is_staff": True,
                "is_superuser": True,
            },
        )
        if created:
            audit_record(
                actor=None, action=AuditAction.USER_CREATE, obj=admin, changes={"role": "admin"}
            )
    ctx.progress("domain", 90, f"Adding domain {tenant_domain(tenant.slug)}")
    Domain.objects.get_or_create(
        domain=tenant_domain(tenant.slug), defaults={"tenant": tenant, "is_primary": True}
    )
    previous = tenant.status
    tenant.status = TenantStatus.ACTIVE
    tenant.save(update_fields=["status"])
    audit_record(
        actor=None,
        action=AuditAction.TENANT_ACTIVATE,
        obj=tenant,
        changes=audit_changes({"status": previous}, {"status": tenant.status}),
    )
    publish(None, "tenants", "tenant.ready", _tenant_payload(tenant))
    job_enqueue(kind=PrepareSpareSchema)  # the next creation's schema, made before it is asked
    return {"tenant_id": tenant.pk, "domain": tenant_domain(tenant.slug)}


def tenant_spare_prepare(ctx: JobContext) -> dict[str, Any]:
    """Job body: a spare schema for the next creation, unless one is waiting."""
    return {"spare": spare_prepare()}


def tenant_mark_failed(job: Job) -> None:
    """tenants.create gave up: the tenant shows failed, its host says so, and system admins
    watching the tenants list are told (retrying the job finishes the setup)."""
    tenant = Tenant.objects.filter(pk=job.params.get("tenant_id")).first()
    if tenant is None:
        return
    previous = tenant.status
    tenant.status = TenantStatus.FAILED
    tenant.save(update_fields=["status"])
    audit_record(
        actor=None,
        action=AuditAction.TENANT_FAIL,
        obj=tenant,
        changes={
            **audit_changes({"status": previous}, {"status": tenant.status}),
            "error": job.error[:500],
        },
    )
    publish(None, "tenants", "tenant.failed", _tenant_payload(tenant))


def platform_tenant_ensure(*, domains: set[str], primary: str) -> Tenant:
    """The public schema's tenant and its domains; idempotent (platform_setup runs each deploy)."""
    public, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "radtik platform", "slug": "platform", "status": TenantStatus.ACTIVE},
    )
    for host in domains:
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": public, "is_primary": host == primary}
        )
    return public


def tenant_update(*, tenant: Tenant, actor: Any = None, **fields: Any) -> Tenant:
    """Its name and contact details (slug, schema and status have services of their own)."""
    return fields_update(obj=tenant, fields=fields, action=AuditAction.TENANT_UPDATE, actor=actor)


# What a tenant admin may change about the account (GET/PATCH /api/settings/, the settings page).
# Other apps add their own tenant-level settings here (one list, one service, one audit action).
SETTINGS_FIELDS: tuple[str, ...] = (
    "time_zone",
    "currency",
    "router_health_interval",
    "router_down_minutes",
    "accounting_interval",
    "session_retention_days",
    "job_retention_days",
    "job_log_retention_days",
    "audit_retention_days",
    "callback_retention_days",
    "notification_retention_days",
    "router_history_days",
    "radius_interim_interval",
    "alert_window_minutes",
    "notification_language",
    "quiet_hours_start",
    "quiet_hours_end",
    "sms_monthly_budget",
)


def tenant_settings_update(*, tenant: Tenant, actor: Any = None, **fields: Any) -> Tenant:
    """Change the account's settings (SETTINGS_FIELDS only), validated and audited."""
    unknown = sorted(set(fields) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a setting of the account."] for name in unknown})
    return fields_update(
        obj=tenant, fields=fields, action=AuditAction.TENANT_SETTINGS_UPDATE, actor=actor
    )


def tenant_set_status(*, tenant: Tenant, status: str, actor: Any = None) -> Tenant:
    if status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise ValidationError({"status": ["Status must be active or suspended."]})
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise ValidationError(f"Tenant is {tenant.status}; only a ready tenant can change status.")
    with transaction.atomic():
        previous = tenant.status
        tenant.status = status
        tenant.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=STATUS_ACTIONS[status],
            obj=tenant,
            changes=audit_changes({"status": previous}, {"status": status}),
        )
        publish(None, "tenants", "tenant.status", _tenant_payload(tenant))
    return tenant


def _tenant_payload(tenant: Tenant) -> dict[str, Any]:
    return {"id": tenant.pk, "name": tenant.name, "slug": tenant.slug, "status": tenant.status}
