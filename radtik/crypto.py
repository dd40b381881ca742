"""Secrets at rest: encrypt one that lives inside JSON (e.g. a RADIUS secret in a RouterConfig)
with the same keys as the encrypted model fields, and re-encrypt everything after a key rotation.

Keys: settings.SALT_KEY (FIELD_ENCRYPTION_KEY, then its fallbacks) x SECRET_KEY (then
SECRET_KEY_FALLBACKS); the first pair encrypts, any decrypts. A JSON secret is stored under a
key ending in `_encrypted`, which is how `encrypted_values_rewrite` finds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.db import connection, models
from encrypted_fields.fields import EncryptedCharField, EncryptedFieldMixin

JSON_SUFFIX = "_encrypted"
_field = EncryptedCharField(max_length=1000)


def encrypt(value: str) -> str:
    return _field.f.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _field.f.decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """`token` encrypted again with the current keys; InvalidToken if no configured key opens it."""
    return MultiFernet([Fernet(key) for key in _field.keys]).rotate(token.encode()).decode()


@dataclass
class Rewrite:
    values: int = 0
    # "table.column pk=…" of values no configured key decrypts (an old key missing from the
    # fallbacks): left as they are.
    undecryptable: list[str] = field(default_factory=list)


def encrypted_values_rewrite() -> Rewrite:
    """Re-encrypt every encrypted value of the current schema with the current keys.

    Works on the stored text, not through the fields: a field answers a value it cannot decrypt
    with the ciphertext itself, which would then be encrypted again."""
    result = Rewrite()
    for model in apps.get_models():
        table = model._meta.db_table
        if not _in_current_schema(table):
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedFieldMixin):
                _rewrite_column(model, model_field.column, reencrypt, result)
            elif isinstance(model_field, models.JSONField):
                _rewrite_column(model, model_field.column, _reencrypt_json, result, json_only=True)
    return result


def _in_current_schema(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(%s))", [table]
        )
        return cursor.fetchone()[0] is not None


def _rewrite_column(model, column: str, rewrite, result: Rewrite, *, json_only: bool = False):
    table, pk = model._meta.db_table, model._meta.pk.column
    where = f"{column} IS NOT NULL AND {column}::text <> ''"
    if json_only:  # only rows that hold a JSON secret (jobs, callbacks, audit: big and have none)
        where += f" AND {column}::text LIKE '%%{JSON_SUFFIX}\"%%'"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{pk}", "{column}"::text FROM "{table}" WHERE {where}')  # noqa: S608
        rows = cursor.fetchall()
    for row_pk, stored in rows:
        try:
            value = rewrite(stored)
        except InvalidToken:
            result.undecryptable.append(f"{table}.{column} pk={row_pk}")
            continue
        with connection.cursor() as cursor:
            cast = "::jsonb" if json_only else ""
            cursor.execute(
                f'UPDATE "{table}" SET "{column}" = %s{cast} WHERE "{pk}" = %s',  # noqa: S608
                [value, row_pk],
            )
        result.values += 1


def _reencrypt_json(stored: str) -> str:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: reencrypt(item)
                if key.endswith(JSON_SUFFIX) and isinstance(item, str) and item
                else walk(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return json.dumps(walk(json.loads(stored)))
