"""Encrypt a secret that lives inside JSON (e.g. a RADIUS secret in a RouterConfig), with the
same keys as the encrypted model fields."""

from __future__ import annotations

from encrypted_fields.fields import EncryptedCharField

_field = EncryptedCharField(max_length=1000)


def encrypt(value: str) -> str:
    return _field.f.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _field.f.decrypt(token.encode()).decode()
