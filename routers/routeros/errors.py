"""Errors the adapter raises: few classes, each with a message an operator can act on.

Messages never carry the password, nor routeros-api's own text (which echoes the whole command
sentence, including `=password=` words).
"""

from __future__ import annotations


class RouterError(Exception):
    """Base class: anything that went wrong talking to a router."""

    def __init__(self, message: str, *, host: str = "", port: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class RouterUnreachable(RouterError):
    """Nothing answered at host:port (refused, no route, name does not resolve)."""


class RouterTimeout(RouterError):
    """Connecting or waiting for a reply took longer than the timeout."""


class RouterLoginFailed(RouterError):
    """The router rejected the user name or password."""


class RouterTLSError(RouterError):
    """TLS handshake or certificate verification failed (API-SSL, port 8729)."""


class RouterConnectionLost(RouterError):
    """The router closed or reset the connection in the middle of an exchange."""


class RouterProtocolError(RouterError):
    """The peer sent something that is not a RouterOS API reply (or ended with !fatal)."""


class RouterCommandError(RouterError):
    """RouterOS refused a command with !trap; `router_message` is RouterOS's own text."""

    def __init__(
        self,
        message: str,
        *,
        command: str,
        router_message: str,
        host: str = "",
        port: int | None = None,
    ) -> None:
        super().__init__(message, host=host, port=port)
        self.command = command
        self.router_message = router_message
