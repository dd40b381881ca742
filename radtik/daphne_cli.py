"""daphne's command line (`python -m radtik.daphne_cli ...`, as radtik.webserver starts it) with
an access log that never shows a secret path segment (radtik.redaction)."""

from __future__ import annotations

import sys
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

from radtik.redaction import redact


class RedactingServer(Server):
    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if "path" in details:
            details = {**details, "path": redact(details["path"])}
        super().log_action(protocol, action, details)


class RedactingCommandLine(CommandLineInterface):
    server_class = RedactingServer


if __name__ == "__main__":
    RedactingCommandLine().run(sys.argv[1:])
