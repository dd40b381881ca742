"""Errors the Daraja client raises: few classes, each with a message an operator can act on.

Messages never carry the consumer key/secret, the passkey, the STK password or an access token:
they are built from Daraja's error code and text, the host and our own hints only.
"""

from __future__ import annotations


class DarajaError(Exception):
    """Base class: anything that went wrong talking to Daraja or reading what it sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class DarajaTransportError(DarajaError):
    """No usable answer: connection refused/reset, DNS, or a 5xx without a Daraja error body."""


class DarajaTimeoutError(DarajaTransportError):
    """Daraja did not answer within the configured timeout (the request may still have landed)."""


class DarajaAuthError(DarajaError):
    """Daraja refused the consumer key/secret, or refused a token it had just issued."""


class DarajaRejectedError(DarajaError):
    """Daraja answered with an error body `{requestId, errorCode, errorMessage}` (or a bare 4xx)."""

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None,
        error_message: str,
        request_id: str | None,
        http_status: int,
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.error_message = error_message
        self.request_id = request_id
        self.http_status = http_status


class DarajaRateLimitedError(DarajaError):
    """Daraja throttled us (`500.003.02`, HTTP 429): wait and try again, do not count as failed."""


class CallbackParseError(DarajaError, ValueError):
    """A callback body that is not a Daraja STK callback; the message says what is wrong."""
