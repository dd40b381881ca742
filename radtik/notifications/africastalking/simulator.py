"""`AtSimulator`: Africa's Talking's messaging API on a loopback port, in a background thread.

Checks the apiKey header and username, answers each number with a status (Success, or what a
scenario says: InsufficientBalance, InvalidPhoneNumber ...) in the real JSON shape, and keeps
every message for tests to read. As the Daraja simulator: stdlib ThreadingHTTPServer, no loop.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from radtik.notifications.africastalking.client import MESSAGING_PATH, AtConfig

DEFAULT_USERNAME = "sandbox"
DEFAULT_API_KEY = "sim-at-api-key"
COST = "KES 0.8000"
NUMBER = re.compile(r"^\+\d{10,15}$")
# statusCode of each status the API documents.
STATUS_CODES = {
    "Processed": 100,
    "Sent": 101,
    "Success": 101,
    "Queued": 102,
    "RiskHold": 401,
    "InvalidSenderId": 402,
    "InvalidPhoneNumber": 403,
    "UnsupportedNumberType": 404,
    "InsufficientBalance": 405,
    "UserInBlacklist": 406,
    "CouldNotRoute": 407,
    "InternalServerError": 500,
    "GatewayError": 501,
    "RejectedByGateway": 502,
}


@dataclass(frozen=True)
class SimSms:
    number: str
    message: str
    sender: str
    message_id: str
    status: str
    status_code: int


class AtSimulator:
    """Start with `start()` (or `with`); point an AtConfig at `base_url` (`client_config()`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = DEFAULT_USERNAME,
        api_key: str = DEFAULT_API_KEY,
    ) -> None:
        self._address = (host, port)
        self.username = username
        self.api_key = api_key
        self._lock = threading.Condition()
        self._messages: list[SimSms] = []  # every recipient answered, accepted or not
        self._statuses: dict[str, str] = {}  # number -> status to answer
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> AtSimulator:
        self._server = ThreadingHTTPServer(self._address, _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> AtSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("AtSimulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client_config(self, **overrides: Any) -> AtConfig:
        fields = {"username": self.username, "api_key": self.api_key, "base_url": self.base_url}
        return AtConfig(**(fields | overrides))

    # -- scenarios -----------------------------------------------------------------------------
    def answer(self, number: str, status: str) -> None:
        """Answer messages to `number` with `status` (a name from STATUS_CODES)."""
        if status not in STATUS_CODES:
            raise ValueError(f"unknown status {status!r}")
        with self._lock:
            self._statuses[number] = status

    # -- what happened -------------------------------------------------------------------------
    def messages(self, number: str | None = None) -> list[SimSms]:
        with self._lock:
            return [m for m in self._messages if number is None or m.number == number]

    def delivered(self, number: str | None = None) -> list[SimSms]:
        return [m for m in self.messages(number) if m.status_code in (100, 101, 102)]

    def wait_for(self, count: int, *, number: str | None = None, timeout: float = 30.0):
        """Block until `count` messages (to `number`) were answered; TimeoutError if not."""
        with self._lock:
            if not self._lock.wait_for(
                lambda: len([m for m in self._messages if number in (None, m.number)]) >= count,
                timeout,
            ):
                raise TimeoutError(f"expected {count} SMS, got {len(self._messages)}")
        return self.messages(number)

    def _handle(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        if headers.get("apikey") != self.api_key or form.get("username") != self.username:
            return 401, "The supplied authentication is invalid"
        message = form.get("message", "")
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if not message or not numbers:
            return 400, "Missing parameters: to and message are required"
        recipients = []
        with self._lock:
            for number in numbers:
                status = self._statuses.get(number, "Success")
                if not NUMBER.match(number):
                    status = "InvalidPhoneNumber"
                code = STATUS_CODES[status]
                accepted = code in (100, 101, 102)
                message_id = f"ATXid_sim{next(self._ids):08d}" if accepted else "None"
                self._messages.append(
                    SimSms(number, message, form.get("from", ""), message_id, status, code)
                )
                recipients.append(
                    {
                        "number": number,
                        "status": status,
                        "statusCode": code,
                        "messageId": message_id,
                        "cost": COST if accepted else "0",
                    }
                )
            self._lock.notify_all()
        sent = sum(1 for r in recipients if r["statusCode"] in (100, 101, 102))
        return 201, {
            "SMSMessageData": {
                "Message": f"Sent to {sent}/{len(recipients)} Total Cost: KES {0.8 * sent:.4f}",
                "Recipients": recipients,
            }
        }


def _handler_for(sim: AtSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "AtSimulator"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
            if self.path.split("?")[0] != MESSAGING_PATH:
                status, body = 404, "Not found"
            else:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = sim._handle(headers, dict(parse_qsl(raw)))
            if isinstance(body, dict):
                payload, content_type = json.dumps(body).encode(), "application/json"
            else:
                payload, content_type = body.encode(), "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: tests read `sim.messages()`."""

    return Handler
