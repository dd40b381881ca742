"""Bearer-token check and one log line per request, before FastAPI reads any body."""

from __future__ import annotations

import hmac
import logging
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("radius.agent.http")


class Guard:
    """Pure ASGI middleware: an unauthenticated request is refused before its body is parsed.

    The log line names method, path, status and duration only: never headers or bodies,
    which carry the token and passwords.
    """

    def __init__(self, app: ASGIApp, *, token: str, open_paths: set[str]):
        self.app = app
        self.token = token.encode()
        self.open_paths = open_paths

    def authorised(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, given = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(
                    given.strip(), self.token
                )
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["path"] in self.open_paths or self.authorised(scope):
                await self.app(scope, receive, send_and_note)
            else:
                refusal = JSONResponse(
                    {"detail": "Missing or wrong bearer token (Authorization: Bearer <token>)"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await refusal(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed)
