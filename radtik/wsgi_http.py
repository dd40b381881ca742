"""HTTP through Django's WSGI handler on a fixed pool of threads, inside the ASGI server.

Django's ASGI handler runs every request in a thread created for it and hops between the event
loop and that thread for each hook of each sync middleware: about a dozen thread switches per
request. Our views and middleware are all synchronous (ARCHITECTURE: known traps), so here a
request makes one hop: the body is read on the loop, Django's WSGIHandler runs in one of a few
long-lived threads and the answer is sent from the loop. That cut a third of daphne's CPU per
request, GET /login/ and callbacks alike, and took GET /login/ from ~170 to 200 req/s at p50
12 ms (bench/payments_callback.py). Websockets stay on channels.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Bodies up to this size stay in memory (Django's FILE_UPLOAD_MAX_MEMORY_SIZE default).
BODY_MEMORY_LIMIT = 2_621_440


class WsgiHttp:
    """An ASGI application for `http` scopes that runs a WSGI application in `threads` threads."""

    def __init__(self, wsgi_application: WsgiApp, threads: int) -> None:
        self.wsgi_application = wsgi_application
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        if body is None:  # the client left before sending its body
            return
        loop = asyncio.get_running_loop()
        with body:
            answer = await loop.run_in_executor(
                self.executor, self.respond, scope, body, send, loop
            )
        if answer is not None:
            start, content = answer
            await send(start)
            await send({"type": "http.response.body", "body": content})

    def respond(
        self, scope: Scope, body: Any, send: Send, loop: asyncio.AbstractEventLoop
    ) -> tuple[Message, bytes] | None:
        """In a pool thread: the whole response, or None when it was streamed already."""
        start: Message = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
            start.update(
                type="http.response.start",
                status=int(status.split(" ", 1)[0]),
                headers=[(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            )

        result = self.wsgi_application(wsgi_environ(scope, body), start_response)
        try:
            if not getattr(result, "streaming", False):
                return start, b"".join(result)

            def forward(message: Message) -> None:
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            forward(start)
            for chunk in result:
                if chunk:
                    forward({"type": "http.response.body", "body": chunk, "more_body": True})
            forward({"type": "http.response.body"})
            return None
        finally:
            # request_finished fires here, in the thread that owns the request's connection.
            close = getattr(result, "close", None)
            if close is not None:
                close()


async def read_body(receive: Receive) -> SpooledTemporaryFile | None:
    body = SpooledTemporaryFile(max_size=BODY_MEMORY_LIMIT)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        body.write(message.get("body", b""))
        if not message.get("more_body"):
            body.seek(0)
            return body


def wsgi_environ(scope: Scope, body: Any) -> dict[str, Any]:
    """PEP 3333 environ for an ASGI http scope (as Django's ASGIRequest reads the scope).

    Not asgiref's WsgiToAsgi environ: it joins repeated Cookie headers with "," (which Django's
    cookie parser splits wrongly) and keeps underscored header names."""
    root = scope.get("root_path", "")
    path = scope["path"]
    if root and path.startswith(root):
        path = path[len(root) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf8").decode("latin1"),
        "PATH_INFO": path.encode("utf8").decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
        environ["REMOTE_PORT"] = str(scope["client"][1])
    for raw_name, raw_value in scope.get("headers", []):
        if b"_" in raw_name:  # would pose as a dashed header (X-Real_IP as X-Real-IP): dropped
            continue
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin1")
        if name in environ:  # repeated header: cookies join with "; ", the rest with ","
            value = f"{environ[name]}{'; ' if name == 'HTTP_COOKIE' else ','}{value}"
        environ[name] = value
    return environ
