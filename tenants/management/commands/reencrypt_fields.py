"""Re-encrypt every stored secret with the current keys, in the public schema and each tenant's.

After a rotation: the new keys in SECRET_KEY / FIELD_ENCRYPTION_KEY, the old ones in
SECRET_KEY_FALLBACKS / FIELD_ENCRYPTION_KEY_FALLBACKS; once this has run, drop the fallbacks.
"""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from radtik.crypto import encrypted_values_rewrite
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the current keys (after a key rotation)."

    def handle(self, *args, **options):
        schemas = [get_public_schema_name()] + list(
            Tenant.objects.exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
        undecryptable = []
        for schema in filter(schema_exists, schemas):
            with schema_context(schema):
                result = encrypted_values_rewrite()
            self.stdout.write(f"{schema}: {result.values} values re-encrypted")
            undecryptable += [f"{schema}: {where}" for where in result.undecryptable]
        if undecryptable:
            raise CommandError(
                f"{len(undecryptable)} values open with none of the configured keys (add the key "
                "they were written with to FIELD_ENCRYPTION_KEY_FALLBACKS / SECRET_KEY_FALLBACKS "
                "and run again): " + ", ".join(undecryptable[:20])
            )
