"""FreeRADIUS 3 (the Debian package) on loopback, reading the RADIUS agent's database.

Configured exactly as `python -m radius.agent freeradius-config` configures a RADIUS host
(radius/agent/freeradius.py), on loopback ports and as the current user. Access-Requests go out
with pyrad, which verifies each reply's Message-Authenticator as RouterOS >= 7.15 does.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, NamedTuple

from pyrad.client import Client, Timeout
from pyrad.packet import AccessAccept, AccessRequest, AccountingResponse

from radius.agent.freeradius import SOURCE, ConfigOptions, write_config
from radius.testing.agent import STARTUP_DEADLINE, free_port, stop_process
from radius.testing.dictionary import radius_dictionary

SECRET = b"testing123"  # clients.conf's localhost client, as shipped


class AuthResult(NamedTuple):
    """Unpacks as (accepted, attributes); attribute values as strings, like radclient prints."""

    accepted: bool
    attributes: dict[str, str]


def available() -> bool:
    return SOURCE.is_dir() and shutil.which("freeradius") is not None


def configure(root: Path, *, db: str, auth_port: int, acct_port: int) -> None:
    """The configuration radtik ships (radius.agent.freeradius), on loopback, run as the current
    user, with Debian's localhost client (secret testing123) for the test's own requests."""
    options = ConfigOptions(
        db=db,
        listen_address="127.0.0.1",
        auth_port=auth_port,
        acct_port=acct_port,
        clients_network="127.0.0.0/8",
        client_lifetime=5,
        localhost_secret=SECRET.decode(),
        service_user=False,
    )
    write_config(root, options)


class FreeRadius:
    """`freeradius -X -d DIR` reading db; auth() sends one Access-Request."""

    def __init__(
        self, root: Path, db: str, *, timeout: float = STARTUP_DEADLINE, debug: bool = True
    ):
        """`debug`: -X, one thread and every request in the log (what tests read); False: as
        in production, threaded, with only its normal log (benchmarks). Waits until it says it
        is ready, fails at once if it exits, else after `timeout` s."""
        self.root, self.db = Path(root), db
        self.auth_port, self.acct_port = free_port(), free_port()
        configure(self.root, db=db, auth_port=self.auth_port, acct_port=self.acct_port)
        self.log_path = self.root / "freeradius.out"
        self._log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        mode = ["-X"] if debug else ["-f", "-l", "stdout"]
        self.proc = subprocess.Popen(
            ["freeradius", *mode, "-d", str(self.root)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while "Ready to process requests" not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FreeRADIUS did not start; its output:\n{self.tail()}")
            time.sleep(0.05)
        self._dictionary = radius_dictionary()

    def auth(
        self,
        username: str,
        password: str,
        *,
        message_authenticator: bool = True,
        source: str = "127.0.0.1",
        secret: bytes = SECRET,
        retries: int = 1,
        **attributes: str | int,
    ) -> AuthResult:
        """One PAP Access-Request, as a MikroTik sends it (with a Message-Authenticator, and a
        reply without a valid one is discarded); extra attributes by pyrad name
        (NAS_IP_Address="10.5.50.1"), sent from `source` (a loopback address) with `secret`.
        RuntimeError when no valid reply comes."""
        client = Client(
            server="127.0.0.1",
            authport=self.auth_port,
            secret=secret,
            dict=self._dictionary,
            enforce_ma=True,
        )
        client.bind((source, 0))
        client.retries, client.timeout = retries, 3
        request = client.CreateAuthPacket(
            code=AccessRequest,
            User_Name=username,
            message_authenticator=message_authenticator,
            **attributes,
        )
        request["User-Password"] = request.PwCrypt(password)
        try:
            reply = client.SendPacket(request)
        except Timeout:
            raise RuntimeError(
                f"FreeRADIUS sent no valid reply; its output:\n{self.tail()}"
            ) from None
        values = {
            str(key): ",".join(str(value) for value in reply[key])
            for key in reply.keys()
            if key != "Message-Authenticator"
        }
        return AuthResult(reply.code == AccessAccept, values)

    def account(
        self,
        username: str,
        status: str,
        session_id: str,
        session_time: int = 0,
        at: float | None = None,
        octets: tuple[int, int] = (0, 0),
        nas: str = "127.0.0.1",
        **attributes: str | int,
    ) -> None:
        """An Accounting-Request (Start, Interim-Update or Stop) as a NAS would send it, at epoch
        `at` (Event-Timestamp; default now), with `octets` (in, out) moved so far; FreeRADIUS
        writes radacct, which Simultaneous-Use, Max-All-Session, Expire-After and the data limit
        count. Status "Accounting-On" is a NAS that restarted. Extra attributes by pyrad name
        (Calling_Station_Id="AA:BB:...", Framed_IP_Address=..., NAS_Identifier=...)."""
        client = Client(
            server="127.0.0.1", acctport=self.acct_port, secret=SECRET, dict=self._dictionary
        )
        client.retries, client.timeout = 1, 5
        request = client.CreateAcctPacket(
            User_Name=username,
            Acct_Status_Type=status,
            Acct_Session_Id=session_id,
            Acct_Session_Time=session_time,
            NAS_IP_Address=nas,
            Acct_Input_Octets=octets[0] % 2**32,
            Acct_Output_Octets=octets[1] % 2**32,
            Acct_Input_Gigawords=octets[0] // 2**32,
            Acct_Output_Gigawords=octets[1] // 2**32,
            **attributes,
        )
        if at is not None:
            request["Event-Timestamp"] = int(at)
        try:
            reply = client.SendPacket(request)
        except Timeout:
            raise RuntimeError(f"FreeRADIUS did not answer; its output:\n{self.tail()}") from None
        if reply.code != AccountingResponse:
            raise RuntimeError(f"Accounting-Request refused; FreeRADIUS output:\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()
