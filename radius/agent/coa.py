"""Disconnect-Request (RFC 5176) from the RADIUS host to a NAS, on radtik's behalf.

Sent from here, not from radtik: a MikroTik answers dynamic authorization only from an address
in its /radius list (its RADIUS server, this host), signed with the secret it shares with it,
which the nas table holds. pyrad builds and checks the packets (Request Authenticator,
Message-Authenticator, the reply's authenticator).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary
from pyrad.packet import DisconnectACK, DisconnectRequest

# The attributes a Disconnect-Request and its answer carry (numbers as in RFC 2865/2866/5176).
_DICTIONARY = """\
ATTRIBUTE User-Name 1 string
ATTRIBUTE NAS-IP-Address 4 ipaddr
ATTRIBUTE Framed-IP-Address 8 ipaddr
ATTRIBUTE Reply-Message 18 string
ATTRIBUTE Acct-Session-Id 44 string
ATTRIBUTE Event-Timestamp 55 date
ATTRIBUTE Message-Authenticator 80 octets
ATTRIBUTE Error-Cause 101 integer
"""


@lru_cache(maxsize=1)
def _dictionary() -> Dictionary:
    return Dictionary(io.StringIO(_DICTIONARY))


@dataclass(frozen=True)
class DisconnectReply:
    result: str  # "ack", "nak" or "timeout"
    error_cause: int | None = None  # a NAK's Error-Cause (503: no such session)


def disconnect(
    *,
    nas: str,
    port: int,
    secret: str,
    username: str = "",
    session_id: str = "",
    framed_ip: str = "",
    timeout: float = 3.0,
    retries: int = 2,
) -> DisconnectReply:
    """Ask the NAS to end the session(s) matching every identifier given."""
    client = Client(
        server=nas, coaport=port, secret=secret.encode(), dict=_dictionary(), enforce_ma=True
    )
    client.timeout, client.retries = timeout, retries
    try:
        request = client.CreateCoAPacket(code=DisconnectRequest, message_authenticator=True)
        if username:
            request["User-Name"] = username
        if session_id:
            request["Acct-Session-Id"] = session_id
        if framed_ip:
            request["Framed-IP-Address"] = framed_ip
        try:
            reply = client.SendPacket(request)
        except Timeout:
            return DisconnectReply("timeout")
    finally:
        client._CloseSocket()
    if reply.code == DisconnectACK:
        return DisconnectReply("ack")
    cause = reply["Error-Cause"][0] if "Error-Cause" in reply else None
    return DisconnectReply("nak", int(cause) if cause is not None else None)
