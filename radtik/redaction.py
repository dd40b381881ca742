"""Secrets that travel in URL paths are cut out of every log line: daphne's access log and
Python logging alike (Django's "Bad Request: /path" lines, tracebacks, our own messages).

Daraja's callback carries no signature; the tenant's secret in the callback URL is what
authenticates it (billing.urls), so a log line with the path would hand it to anyone who reads
the logs.
"""

from __future__ import annotations

import logging
import re

# Paths whose next segment is a secret.
SECRET_PATH_PREFIXES = ("/api/payments/mpesa/callback/",)
REDACTED = "***"
_SECRET_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + r")[^/\s?#\"'<>]+"
)


def redact(text: str) -> str:
    """`text` with every secret path segment replaced by ***."""
    return _SECRET_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class RedactingFormatter(logging.Formatter):
    """The whole formatted record (message, arguments, traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
