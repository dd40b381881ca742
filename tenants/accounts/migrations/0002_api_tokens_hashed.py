"""API tokens move from DRF's authtoken (stored in clear) to django-rest-knox (digests only).

Every existing token keeps working: its digest and lookup key are written to knox's table, then
DRF's table, the only copy of the clear tokens, is dropped. Runs in each schema (public and every
tenant's), like the users the tokens belong to.
"""

from django.db import migrations
from knox.crypto import hash_token
from knox.settings import CONSTANTS


def tokens_to_digests(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(quote_ident(current_schema()) || '.authtoken_token')")
        if cursor.fetchone()[0] is None:
            return
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        for key, user_id, created in cursor.fetchall():
            cursor.execute(
                "INSERT INTO knox_authtoken (digest, token_key, user_id, created, expiry) "
                "VALUES (%s, %s, %s, %s, NULL) ON CONFLICT DO NOTHING",
                [hash_token(key), key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id, created],
            )
        cursor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(tokens_to_digests, migrations.RunPython.noop)]
