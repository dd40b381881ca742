"""Structured logs: one JSON object per line, each with the tenant, job id and request id it was
written for ("-" when none), and never a secret.

The context lives in a contextvar: set per request (RequestLogMiddleware, which also writes the
access line), per job attempt (radtik.jobs.runner) and per schema a sweep or a drain works in.
Every handler that writes lines has ContextFilter, so records of third-party loggers (Django,
django-q2, daphne) carry the fields too. The whole line is redacted (radtik.redaction): a secret
path segment is cut whether it came in the message, an argument or a traceback.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from radtik.redaction import redact

FIELDS = ("tenant", "job_id", "request_id")
_context: ContextVar[dict[str, str] | None] = ContextVar("radtik_log_context", default=None)
# nginx's $request_id (32 hex) or any client's sane id; anything else is replaced.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_logger = logging.getLogger("radtik.access")


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Lines written inside carry these fields (nested contexts add to the outer one)."""
    token = _context.set({**(_context.get() or {}), **{k: str(v) for k, v in values.items()}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for field in FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field, "-"))
        return True


class TaskLinesFilter(logging.Filter):
    """django-q2 logs every task it queues, takes and ends at INFO (a sweep tick a second):
    those go, its cluster's start, stop and warnings stay. Jobs log their own lines."""

    PER_TASK = ("Enqueued", "Processed", "created task")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not (message.startswith(self.PER_TASK) or " processing " in message)


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestLogMiddleware:
    """Right after the tenant middleware: every line of the request names its tenant and id, and
    one access line ends it. The id is nginx's X-Request-ID when sane, and is sent back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        tenant = getattr(getattr(request, "tenant", None), "schema_name", "-")
        started = time.monotonic()
        with log_context(request_id=request_id, tenant=tenant):
            response = self.get_response(request)
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        response["X-Request-ID"] = request_id
        return response
