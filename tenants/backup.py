"""One tenant's backup and restore: its schema with pg_dump / pg_restore (custom format), and its
rows of the public schema (the Tenant and its Domains) as Django's JSON, in one tar file.

A restore goes into any radtik database whose public schema is migrated (`migrate_schemas
--shared`), the same one after a loss or a fresh one; it refuses a tenant that is already there.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from django.core import serializers
from django.db import connection, transaction

from tenants.models import Domain, Tenant
from tenants.pg_client import PgToolError, pg_args, pg_run

SCHEMA_MEMBER = "schema.dump"
PUBLIC_MEMBER = "public.json"


# pg_dump's and pg_restore's failures and the archive's own: one line for the command's exit.
BackupError = PgToolError


def tenant_backup(*, tenant: Tenant, out: Path) -> Path:
    """Write `out` (a tar file): the tenant's schema and its public rows."""
    args, env = pg_args()
    dump = pg_run(["pg_dump", *args, "-Fc", "--no-owner", "-n", tenant.schema_name], env).stdout
    rows = serializers.serialize("json", [tenant, *Domain.objects.filter(tenant=tenant)])
    with tarfile.open(out, "w") as tar:
        for name, data in ((SCHEMA_MEMBER, dump), (PUBLIC_MEMBER, rows.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def tenant_restore(*, archive: Path) -> Tenant:
    """Restore a tenant_backup file into this database: the schema, then the Tenant and its
    Domains (new ids, same slug, schema and domains)."""
    try:
        with tarfile.open(archive) as tar:
            dump = tar.extractfile(SCHEMA_MEMBER).read()
            rows = json.loads(tar.extractfile(PUBLIC_MEMBER).read())
    except (OSError, KeyError, AttributeError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a radtik tenant backup: {exc}") from None
    tenant_row = next(row for row in rows if row["model"] == "tenants.tenant")
    schema = tenant_row["fields"]["schema_name"]
    if Tenant.objects.filter(schema_name=schema).exists():
        raise BackupError(f"tenant '{tenant_row['fields']['slug']}' already exists here")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        if cursor.fetchone():
            raise BackupError(f"schema '{schema}' already exists here; drop it first")
    args, env = pg_args()
    pg_run(["pg_restore", *args, "--no-owner", "--exit-on-error"], env, input=dump)
    with transaction.atomic():
        tenant = Tenant(**tenant_row["fields"])
        tenant.save()
        for row in rows:
            if row["model"] == "tenants.domain":
                Domain.objects.create(**{**row["fields"], "tenant": tenant})
    return tenant
