"""daphne's command line (`python -m radtik.daphne_cli ...`, as radtik.webserver starts it) with
its access log through Python logging (JSON lines, radtik.logs) that never shows a secret path
segment (radtik.redaction). HTTP requests are logged by radtik.logs.RequestLogMiddleware, with
their tenant and request id; daphne logs the websocket connections."""

from __future__ import annotations

import logging
import sys
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

from radtik.redaction import redact

logger = logging.getLogger("daphne.access")


class RedactingServer(Server):
    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if protocol == "http":
            return  # the request's own line says more (radtik.logs)
        path = redact(details.get("path", ""))
        client = details.get("client_addr") or "-"
        logger.info("%s %s %s", protocol, action, path, extra={"path": path, "client": str(client)})


class RedactingCommandLine(CommandLineInterface):
    server_class = RedactingServer


if __name__ == "__main__":
    RedactingCommandLine().run(sys.argv[1:])
