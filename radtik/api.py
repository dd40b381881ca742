"""API plumbing: the error shape (every failure a 4xx JSON body with a readable message), the
pagination of every list (DRF imports it while it loads: this module imports no view code)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"detail": " ".join(exc.messages)}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def schema_without_slashless_twins(endpoints: list) -> list:
    """drf-spectacular hook: a path served with and without its trailing slash (POST
    /api/payments/initiate, as documented for kiosks) is one operation, described once."""
    paths = {path for path, *_ in endpoints}
    return [e for e in endpoints if e[0].endswith("/") or f"{e[0]}/" not in paths]


def accepted(job, request, **extra) -> Response:
    """The answer of every async endpoint: 202, the job id and where to watch it."""
    from radtik.jobs.api.serializers import JobSerializer

    body = {"job": JobSerializer(job, context={"request": request}).data, **extra}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["job"]["url"]})


_plain_accepted: Any = None


def accepted_schema(name: str = "JobAccepted", **extra: Any) -> Any:
    """The OpenAPI description of `accepted`'s answer (plus the `extra` fields it carries).
    The plain answer is one component: a second serializer class of the same name would be a
    clash drf-spectacular warns about (and `check --deploy` fails on)."""
    global _plain_accepted
    from drf_spectacular.utils import inline_serializer

    from radtik.jobs.api.serializers import JobSerializer

    if extra or name != "JobAccepted":
        return inline_serializer(name, fields={"job": JobSerializer(), **extra})
    if _plain_accepted is None:
        _plain_accepted = inline_serializer(name, fields={"job": JobSerializer()})
    return _plain_accepted


class Pagination(LimitOffsetPagination):
    """?limit=&offset= over every list; a client asking for more than max_limit rows at once gets
    max_limit (the envelope's `next` leads on), so one request never loads a whole table."""

    max_limit = 500


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class NameOrIdField(serializers.PrimaryKeyRelatedField):
    """A related row by its name (what an operator knows and sees) or by its id."""

    def __init__(self, *, name_field: str = "name", **kwargs):
        self.name_field = name_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        label = queryset.model._meta.verbose_name
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            raise serializers.ValidationError(f"Give the {label}'s name or id.")
        found = None
        if isinstance(data, str):
            found = queryset.filter(**{self.name_field: data}).first()
        if found is None and str(data).isdigit():
            found = queryset.filter(pk=int(data)).first()
        if found is None:
            raise serializers.ValidationError(f"No usable {label} named or numbered {data!r}.")
        return found
