"""`DarajaSimulator`: Daraja's JSON API on a loopback port, in a background thread.

stdlib `ThreadingHTTPServer`: no event loop to share with the code under test, starts in
milliseconds, and a slow answer (latency scenarios) blocks only its own request thread.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from billing.mpesa.config import DarajaConfig
from billing.mpesa.simulator.backend import Credentials, DarajaBackend
from billing.mpesa.simulator.callbacks import CallbackSender
from billing.mpesa.simulator.records import CallbackDelivery, RecordedRequest, SimTransaction
from billing.mpesa.simulator.scenario import Scenario

DEFAULT_CREDENTIALS = Credentials(
    consumer_key="sim-consumer-key",
    consumer_secret="sim-consumer-secret",
    shortcode="174379",
    passkey="sim-passkey-0123456789abcdef",
)


class DarajaSimulator:
    """Start with `start()` (or `with`); point a `DarajaConfig` at `base_url`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials = DEFAULT_CREDENTIALS,
        seed: int = 0,
        token_ttl: int = 3599,
        timestamp_tolerance: float = 300.0,
    ) -> None:
        self._address = (host, port)
        self._stopping = threading.Event()
        self._callbacks = CallbackSender(self._stopping)
        self.backend = DarajaBackend(
            credentials,
            seed=seed,
            token_ttl=token_ttl,
            timestamp_tolerance=timestamp_tolerance,
            on_accepted=self._callbacks.schedule,
        )
        self._records_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> DarajaSimulator:
        server = ThreadingHTTPServer(self._address, _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="daraja-sim",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes latency waits and undelivered callbacks
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._callbacks.join(5)

    def __enter__(self) -> DarajaSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DarajaSimulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def credentials(self) -> Credentials:
        return self.backend.credentials

    def client_config(self, **overrides: Any) -> DarajaConfig:
        """A DarajaConfig pointing here with the simulator's credentials."""
        creds = self.credentials
        settings: dict[str, Any] = {
            "shortcode": creds.shortcode,
            "passkey": creds.passkey,
            "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret,
            "base_url": self.base_url,
            "timeout": 5.0,
        }
        return DarajaConfig(**(settings | overrides))

    # -- scenario controls ---------------------------------------------------------------------
    def scenario(self, phone: str | None = None, **fields: Any) -> Scenario:
        """Set how pushes to `phone` (any format) or, without phone, all others behave."""
        scenario = Scenario(**fields)
        self.backend.set_scenario(scenario, phone)
        return scenario

    def reset_scenarios(self) -> None:
        self.backend.reset_scenarios()

    def set_token_ttl(self, seconds: int) -> None:
        """expires_in for tokens issued from now on."""
        self.backend.token_ttl = seconds

    def revoke_tokens(self) -> None:
        """Forget every issued token: the next API call gets 404.001.03 Invalid Access Token."""
        self.backend.revoke_tokens()

    # -- what happened -------------------------------------------------------------------------
    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Every request received (optionally only to `path`), oldest first."""
        with self._records_lock:
            return [r for r in self._requests if path is None or r.path == path]

    def callbacks(self, checkout_request_id: str | None = None) -> list[CallbackDelivery]:
        """Every callback delivery attempted, with the receiver's HTTP status."""
        return [
            d
            for d in self._callbacks.deliveries()
            if checkout_request_id is None or d.checkout_request_id == checkout_request_id
        ]

    def wait_for_callbacks(
        self, count: int, *, timeout: float = 5.0, checkout_request_id: str | None = None
    ) -> list[CallbackDelivery]:
        """Block until `count` deliveries were made; TimeoutError (with what came) if not."""
        if not self._callbacks.wait_for(count, timeout, checkout_request_id):
            got = len(self.callbacks(checkout_request_id))
            raise TimeoutError(f"expected {count} callback deliveries within {timeout}s, got {got}")
        return self.callbacks(checkout_request_id)

    def transactions(self) -> list[SimTransaction]:
        return self.backend.transactions()

    def transaction(self, checkout_request_id: str) -> SimTransaction:
        for txn in self.backend.transactions():
            if txn.checkout_request_id == checkout_request_id:
                return txn
        raise KeyError(f"no push with CheckoutRequestID {checkout_request_id}")

    def _record(self, request: RecordedRequest) -> None:
        with self._records_lock:
            self._requests.append(request)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _handler_for(sim: DarajaSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "DarajaSimulator"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: tests read `sim.requests()` instead of stderr."""

        def _serve(self) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = _json_object(raw)
            reply = sim.backend.handle(self.command, url.path, query, headers, body)
            sim._record(
                RecordedRequest(
                    self.command, url.path, query, headers, body, reply.status, reply.body
                )
            )
            sim._wait(reply.latency)
            if isinstance(reply.body, dict):
                payload, content_type = json.dumps(reply.body).encode(), "application/json"
            else:
                payload, content_type = reply.body.encode(), "text/plain"
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout is shorter than our latency)

    return Handler


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
