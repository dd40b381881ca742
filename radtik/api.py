"""API plumbing: the error shape (every failure a 4xx JSON body with a readable message), the
pagination of every list (DRF imports it while it loads: this module imports no view code)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
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


class Pagination(LimitOffsetPagination):
    """?limit=&offset= over every list; a client asking for more than max_limit rows at once gets
    max_limit (the envelope's `next` leads on), so one request never loads a whole table."""

    max_limit = 500
