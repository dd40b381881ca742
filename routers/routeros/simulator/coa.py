"""The router's dynamic-authorization listener (RFC 5176, `/radius incoming`), UDP 3799.

A Disconnect-Request (by User-Name, Acct-Session-Id and/or Framed-IP-Address) ends the matching
sessions (Stop, Admin-Reset) and is answered Disconnect-ACK; a CoA-Request changes their limits
(Session-Timeout, Mikrotik-Total-Limit, Mikrotik-Rate-Limit...) and is answered CoA-ACK; no match
is a NAK with Error-Cause Session-Context-Not-Found (503). As on RouterOS, only a configured
RADIUS server may ask (its /radius address, signed with its secret), and nothing is answered
while `/radius incoming accept=no` (SimulatedNas.accept_coa = False).
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import TYPE_CHECKING

from pyrad.packet import (
    CoANAK,
    CoAPacket,
    CoARequest,
    DisconnectNAK,
    DisconnectRequest,
    PacketError,
)

from radius.testing.dictionary import radius_dictionary

if TYPE_CHECKING:
    from routers.routeros.simulator.nas import SimulatedNas

log = logging.getLogger(__name__)
SESSION_CONTEXT_NOT_FOUND = 503
IDENTIFIERS = ("User-Name", "Acct-Session-Id", "Framed-IP-Address")


class CoaListener:
    def __init__(self, nas: SimulatedNas, host: str, port: int) -> None:
        self.nas = nas
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.answered: list[tuple[int, int]] = []  # (request code, reply code), for tests
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"nas-coa-{host}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self.sock.close()

    def _secret(self, address: str) -> bytes | None:
        for row in self.nas.state.rows("/radius"):
            if row.get("address") == address and row.get("disabled") != "true":
                return row.get("secret", "").encode()
        return None

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self._handle(data, peer)
            except Exception:  # noqa: BLE001 - one bad packet never stops the listener
                log.exception("simulated NAS: CoA packet from %s failed", peer)

    def _handle(self, data: bytes, peer: tuple[str, int]) -> None:
        if not self.nas.accept_coa:
            return
        secret = self._secret(peer[0])
        if secret is None:
            return  # not one of this router's RADIUS servers: dropped, as RouterOS does
        try:
            request = CoAPacket(packet=data, secret=secret, dict=radius_dictionary())
        except PacketError:
            return
        if request.code not in (DisconnectRequest, CoARequest) or not request.VerifyCoARequest():
            return
        found = {name: str(request[name][0]) for name in IDENTIFIERS if name in request}
        match = {
            "username": found.get("User-Name"),
            "session_id": found.get("Acct-Session-Id"),
            "ip": found.get("Framed-IP-Address"),
        }
        if request.code == DisconnectRequest:
            count = self.nas.disconnect(**match) if found else 0
            nak = DisconnectNAK
        else:
            changes = {
                str(key): ",".join(str(v) for v in request[key])
                for key in request.keys()
                if key not in (*IDENTIFIERS, "Message-Authenticator", "NAS-IP-Address")
            }
            count = self.nas.change(**match, attributes=changes) if found else 0
            nak = CoANAK
        reply = request.CreateReply()
        if not count:
            reply.code = nak
            reply["Error-Cause"] = SESSION_CONTEXT_NOT_FOUND
        if "Message-Authenticator" in request:
            reply.add_message_authenticator()
        self.sock.sendto(reply.ReplyPacket(), peer)
        self.answered.append((request.code, reply.code))
