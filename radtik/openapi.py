"""The OpenAPI schema's view inspector (drf-spectacular)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular import openapi
from rest_framework import serializers

# A time of day as Django writes it ("06:30:00"): OpenAPI's `time` format is RFC 3339's full-time,
# which needs a UTC offset no stored TimeField has.
TIME_OF_DAY = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


class AutoSchema(openapi.AutoSchema):
    """A list's query parameters come from its `filterset_class`: the view's selector applies
    that FilterSet, so the view has no filter backend for drf-spectacular to read them from."""

    def get_filter_backends(self):
        if getattr(self.view, "filterset_class", None) and self._is_list_view():
            return [DjangoFilterBackend]
        return super().get_filter_backends()

    def _map_serializer_field(self, field, direction, bypass_extensions=False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and schema.get("format") == "time":
            schema.pop("format")
            schema["pattern"] = TIME_OF_DAY
        return schema

    def _insert_field_validators(self, field, schema) -> None:
        super()._insert_field_validators(field, schema)
        # A read-only field forgets that its model field may be blank: "" (none given) is no
        # e-mail address or URL, yet a valid answer.
        if schema.get("format") in ("email", "uri") and _blank_allowed(field):
            schema.pop("format")


def _blank_allowed(field: serializers.Field) -> bool:
    """The field may be "": it says so, or (read-only fields forget it) its model field does."""
    if getattr(field, "allow_blank", False):
        return True
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False
