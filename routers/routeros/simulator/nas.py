"""A simulated router's NAS side: what a MikroTik does with RADIUS, over real RADIUS (pyrad).

    nas = SimulatedNas(router).start()        # router: a started SimulatedRouter
    result = nas.login("USER", "PASS", mac="AA:BB:CC:00:00:01", ip="10.5.50.10")   # hotspot
    result = nas.login("USER", "PASS", service="pppoe", mac=...)                    # PPPoE
    result.accepted, result.message, result.reply (reply attributes), result.session
    nas.set_traffic(result.session, download=50_000, upload=5_000)  # bytes/s (or login(..., ))
    nas.advance(120)     # simulated seconds: traffic, Interim-Updates, Session-Timeout, data limit
    nas.sessions()       # the live ones; each is also a row of /ip/hotspot/active or /ppp/active
    nas.logout(session)  # the user logs out (Stop, User-Request); an API `remove` of the active
                         # row ends it too (Stop, Admin-Reset)
    nas.reboot()         # sessions vanish without Stop, then Accounting-On
    nas.coa_port         # RFC 5176 listener (coa.py); nas.accept_coa = False ignores it,
                         # nas.keep_on_disconnect = True ACKs it and keeps the user online;
                         # nas.lose_stops = True: no Stop ever reaches RADIUS
    nas.flush()          # wait until every accounting packet queued so far was answered
    nas.stop()

The RADIUS side is configured on the router as provisioning configures it, and read on every
request: /radius (address, secret, service, authentication-port, accounting-port, src-address,
timeout, require-message-auth), the hotspot profile (use-radius, radius-accounting,
radius-interim-update, login-by), /ppp/aaa (use-radius, accounting, interim-update) and
/radius/incoming (accept, port).
`configure_radius()` writes that configuration for a test that skips provisioning.

Requests carry a Message-Authenticator and replies without a valid one are dropped, as RouterOS
>= 7.15 does (require-message-auth=yes-for-request-resp; "no" sends none, as older routers).
Local users (/ip/hotspot/user,
/ppp/secret) are checked first, as on a real router.

Time: with realtime=False (tests) the simulated clock moves only in advance(), so traffic and
timing are exact; with realtime=True (`make run`) a ticker advances it with the wall clock.
Event-Timestamp is the simulated clock (it starts at the real time).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import queue
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyrad.client import Client, Timeout
from pyrad.packet import AccessAccept, AccessRequest

from radius.testing.dictionary import radius_dictionary
from routers.routeros.simulator.state import format_uptime

if TYPE_CHECKING:
    from routers.routeros.simulator.coa import CoaListener
    from routers.routeros.simulator.server import SimulatedRouter

log = logging.getLogger(__name__)

GIGAWORD = 2**32
HOTSPOT, PPPOE = "hotspot", "pppoe"
ACTIVE_MENU = {HOTSPOT: "/ip/hotspot/active", PPPOE: "/ppp/active"}
RADIUS_SERVICE = {HOTSPOT: "hotspot", PPPOE: "ppp"}
ADDRESS_LIST_MENU = "/ip/firewall/address-list"
WRONG_PASSWORD = "invalid username or password"
NO_RADIUS = "RADIUS server is not responding"


def parse_duration(text: str) -> int | None:
    """RouterOS times ('5m', '1h30m', '90s', '00:05:00', '60') in seconds; None if unset/0."""
    text = (text or "").strip()
    if not text or text in ("received", "none"):
        return None
    if ":" in text:
        seconds = sum(int(p) * 60**i for i, p in enumerate(reversed(text.split(":"))))
    elif text.isdigit():
        seconds = int(text)
    else:
        units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
        parts = re.findall(r"(\d+)([wdhms])", text)
        seconds = sum(int(n) * units[u] for n, u in parts)
    return seconds or None


def parse_rate(text: str) -> tuple[float | None, float | None]:
    """Mikrotik-Rate-Limit's first pair 'rx/tx' (bits/s, k/M/G) as bytes/s (upload, download)."""

    def one(value: str) -> float | None:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)", value)
        if not match:
            return None
        scale = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[match.group(2).lower()]
        return float(match.group(1)) * scale / 8 or None

    first = (text or "").split(" ")[0]
    rx, _, tx = first.partition("/")
    return one(rx), one(tx or rx)


@dataclass
class Session:
    """One logged-in user, as the router keeps it."""

    id: str  # Acct-Session-Id
    service: str  # HOTSPOT or PPPOE
    username: str
    mac: str
    ip: str
    server: str  # hotspot server name or PPPoE service name
    nas_port: int
    radius: bool  # False: a local user (no accounting)
    started: float  # simulated epoch
    row_id: str = ""  # .id of its row in ACTIVE_MENU[service]
    upload: float = 0.0  # bytes/s from the client (Acct-Input, bytes-in)
    download: float = 0.0  # bytes/s to the client (Acct-Output, bytes-out)
    octets_in: float = 0.0
    octets_out: float = 0.0
    uptime: float = 0.0
    session_timeout: int | None = None
    data_limit: int | None = None  # octets in + out (Mikrotik-Total-Limit + -Gigawords)
    rate_cap: tuple[float | None, float | None] = (None, None)  # from Mikrotik-Rate-Limit
    interim: int | None = None
    next_interim: float | None = None
    accounting: bool = True
    classes: list[bytes] = field(default_factory=list)  # echoed in accounting (RFC 2865 Class)
    reply: dict[str, str] = field(default_factory=dict)
    address_list_id: str = ""  # its dynamic /ip/firewall/address-list row (Mikrotik-Address-List)

    @property
    def total(self) -> float:
        return self.octets_in + self.octets_out

    def rates(self) -> tuple[float, float]:
        up_cap, down_cap = self.rate_cap
        up = min(self.upload, up_cap) if up_cap else self.upload
        down = min(self.download, down_cap) if down_cap else self.download
        return up, down

    def next_event(self, now: float) -> float:
        """The simulated time of its next interim, timeout or limit (inf: none)."""
        times = [math.inf]
        if self.next_interim is not None:
            times.append(self.next_interim)
        if self.session_timeout is not None:
            times.append(self.started + self.session_timeout)
        rate = sum(self.rates())
        if self.data_limit is not None and rate > 0:
            times.append(now + max(0.0, self.data_limit - self.total) / rate)
        return min(times)


@dataclass(frozen=True)
class LoginResult:
    accepted: bool
    message: str = ""  # the login page's error (a reject's Reply-Message, if any)
    reply: dict[str, str] = field(default_factory=dict)
    session: Session | None = None


@dataclass(frozen=True)
class RadiusTarget:
    address: str
    secret: bytes
    auth_port: int
    acct_port: int
    timeout: float
    source: str
    # require-message-auth: RouterOS >= 7.15 defaults to yes-for-request-resp (send one, drop
    # replies without a valid one); "no" is an older router's behaviour.
    message_auth: bool = True


def configure_radius(
    router: SimulatedRouter,
    *,
    address: str,
    secret: str,
    auth_port: int = 1812,
    acct_port: int = 1813,
    interim: str = "received",
    coa_port: int = 3799,
) -> None:
    """What provisioning puts on a router for RADIUS (hotspot and PPPoE, accounting on, CoA
    accepted), for tests that do not deploy through the product."""
    state = router.state
    state.add_row(
        "/radius",
        {
            "address": address,
            "secret": secret,
            "service": "hotspot,ppp",
            "authentication-port": auth_port,
            "accounting-port": acct_port,
            "timeout": "3s",
        },
    )
    if not state.find("/ip/hotspot/profile", name="radtik-hs"):
        state.add_row(
            "/ip/hotspot/profile",
            {
                "name": "radtik-hs",
                "hotspot-address": "10.5.50.1",
                "login-by": "http-chap,http-pap",
                "use-radius": True,
                "radius-interim-update": interim,
            },
        )
        state.add_row("/ip/pool", {"name": "radtik-hs-pool", "ranges": "10.5.50.2-10.5.50.254"})
        state.add_row(
            "/ip/hotspot",
            {"name": "radtik-hs-ether2", "interface": "ether2", "profile": "radtik-hs",
             "address-pool": "radtik-hs-pool", "disabled": False},
        )  # fmt: skip
    state.set_singleton("/ppp/aaa", {"use-radius": True, "accounting": True})
    state.set_singleton("/radius/incoming", {"accept": True, "port": coa_port})


class SimulatedNas:
    def __init__(
        self,
        router: SimulatedRouter,
        *,
        realtime: bool = False,
        speed: float = 1.0,
        tick: float = 1.0,
        coa_port: int | None = None,
        default_download: float = 0.0,
        default_upload: float = 0.0,
    ) -> None:
        """`coa_port`: where the CoA listener binds (0: a free port, written back to
        /radius/incoming port); None: /radius/incoming's port. `speed`/`tick`: with realtime,
        simulated seconds per real second and how often the ticker runs."""
        self.router = router
        self.state = router.state
        self.host = router.host
        self.realtime, self.speed, self.tick = realtime, speed, tick
        self.default_download, self.default_upload = default_download, default_upload
        self.now = time.time()
        self.errors: list[str] = []  # accounting packets no server answered
        self._coa_port = coa_port
        self._lock = threading.RLock()
        # A faulty NAS: ACKs a Disconnect-Request but keeps the user online and sends no Stop.
        self.keep_on_disconnect = False
        # Stops lost on the way (every retransmission dropped): the RADIUS server never hears
        # that a session ended.
        self.lose_stops = False
        self._sessions: dict[str, Session] = {}
        self._ids = itertools.count(1)
        self._ports = itertools.count(1)
        self._addresses = itertools.count(10)
        self._prefix = secrets.randbelow(0xFFFF)  # Acct-Session-Id unique across reboots
        self._outbox: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.coa: CoaListener | None = None
        self.sent: list[tuple[str, dict[str, Any]]] = []  # (status, attributes) of accounting

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> SimulatedNas:
        from routers.routeros.simulator.coa import CoaListener

        self.state.on_change.append(self._on_change)
        port = self._coa_port
        if port is None:
            port = int(self.state.singleton("/radius/incoming").get("port") or 3799)
        self.coa = CoaListener(self, self.host, port)
        if self._coa_port == 0:
            self.state.set_singleton("/radius/incoming", {"port": self.coa.port})
        self._spawn(self._send_loop, "nas-accounting")
        if self.realtime:
            self._spawn(self._tick_loop, "nas-clock")
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.put(None)
        if self.coa is not None:
            self.coa.close()
        for thread in self._threads:
            thread.join(10)
        if self._on_change in self.state.on_change:
            self.state.on_change.remove(self._on_change)

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=f"{name}-{self.host}", daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def coa_port(self) -> int:
        assert self.coa is not None, "NAS not started"
        return self.coa.port

    @property
    def accept_coa(self) -> bool:
        return self.state.singleton("/radius/incoming").get("accept") == "true"

    @accept_coa.setter
    def accept_coa(self, value: bool) -> None:
        self.state.set_singleton("/radius/incoming", {"accept": value})

    @property
    def identity(self) -> str:
        return self.state.singleton("/system/identity").get("name", "MikroTik")

    # -- logins ----------------------------------------------------------------------------------
    def login(
        self,
        username: str,
        password: str,
        *,
        service: str = HOTSPOT,
        mac: str | None = None,
        ip: str | None = None,
        chap: bool | None = None,
        server: str | None = None,
        download: float | None = None,
        upload: float | None = None,
    ) -> LoginResult:
        """A user logs in on the hotspot (the login page's form) or over PPPoE. `chap`: None
        follows the hotspot profile's login-by (http-chap before http-pap); PPPoE uses PAP unless
        chap=True. `download`/`upload`: simulated traffic in bytes/s."""
        if service not in ACTIVE_MENU:
            raise ValueError(f"service must be {HOTSPOT!r} or {PPPOE!r}")
        mac = mac or self.state.random_mac()
        settings = self._service_settings(service, server)
        if isinstance(settings, str):
            return LoginResult(False, settings)
        session = Session(
            id=f"{self._prefix:04X}{next(self._ids):04X}",
            service=service,
            username=username,
            mac=mac,
            ip=ip or "",
            server=settings["server"],
            nas_port=next(self._ports),
            radius=False,
            started=self.now,
            download=self.default_download if download is None else download,
            upload=self.default_upload if upload is None else upload,
        )
        local = self._local_user(service, username, password)
        if local is not None:
            session.session_timeout = local.get("timeout")
            session.data_limit = local.get("data")
            session.ip = session.ip or local.get("ip") or ""
            return self._open(session, {}, "local")
        if local is None and self._local_password_wrong(service, username):
            return LoginResult(False, WRONG_PASSWORD)
        if not settings["use_radius"]:
            return LoginResult(False, WRONG_PASSWORD)
        if chap is None:
            chap = service == HOTSPOT and "http-chap" in settings["login_by"]
            if service == HOTSPOT and not chap and "http-pap" not in settings["login_by"]:
                return LoginResult(False, "login method not allowed (login-by)")
        session.ip = session.ip or self._address(service)
        reply = self._authenticate(session, password, chap=chap)
        if reply is None:
            return LoginResult(False, NO_RADIUS)
        accepted, attributes, classes = reply
        if not accepted:
            return LoginResult(False, attributes.get("Reply-Message") or WRONG_PASSWORD, attributes)
        session.radius, session.classes, session.reply = True, classes, attributes
        session.accounting = settings["accounting"]
        self._apply_reply(session, attributes, settings["interim"])
        return self._open(session, attributes, "http-chap" if chap else "http-pap")

    def set_traffic(
        self, session: Session | str, *, download: float | None = None, upload: float | None = None
    ) -> None:
        """Change a session's simulated traffic (bytes/s); takes effect from the current time."""
        with self._lock:
            live = self._sessions.get(session if isinstance(session, str) else session.id)
            if live is None:
                raise KeyError("no such session")
            live.download = live.download if download is None else download
            live.upload = live.upload if upload is None else upload

    def sessions(self, *, username: str | None = None) -> list[Session]:
        with self._lock:
            return [s for s in self._sessions.values() if username in (None, s.username)]

    def session(self, session_id: str) -> Session | None:
        with self._lock:
            return self._sessions.get(session_id)

    def logout(self, session: Session | str, cause: str = "User-Request") -> bool:
        with self._lock:
            live = self._sessions.get(session if isinstance(session, str) else session.id)
            if live is None:
                return False
            self._end(live, cause)
        self.flush()
        return True

    def disconnect(
        self,
        *,
        username: str | None = None,
        session_id: str | None = None,
        ip: str | None = None,
        cause: str = "Admin-Reset",
    ) -> int:
        """End the sessions matching every given identifier (RFC 5176); how many ended."""
        if username is None and session_id is None and ip is None:
            return 0
        with self._lock:
            found = self._match(username, session_id, ip)
            if self.keep_on_disconnect:
                return len(found)
            for live in found:
                self._end(live, cause)
        return len(found)

    def change(
        self,
        *,
        username: str | None = None,
        session_id: str | None = None,
        ip: str | None = None,
        attributes: dict[str, str],
    ) -> int:
        """A CoA-Request: new limits for the matching sessions; how many matched."""
        with self._lock:
            found = self._match(username, session_id, ip)
            for live in found:
                self._apply_reply(live, {**live.reply, **attributes}, live.interim)
                live.reply.update(attributes)
                self._update_row(live)
        return len(found)

    def reboot(self) -> None:
        """A power cycle: every session and active row gone without a Stop, the uptime reset,
        then Accounting-On to each RADIUS server (which closes this NAS's open sessions)."""
        with self._lock:
            self._sessions.clear()
            for path in ACTIVE_MENU.values():
                rows = self.state.rows(path)
                if rows:
                    self.state.remove_rows(path, [r[".id"] for r in rows])
            self.state.started = time.monotonic()
            self._prefix = (self._prefix + 1) % 0x10000
            done = set()
            for service in ACTIVE_MENU:
                for target in self._targets(service):
                    if target.address not in done:
                        done.add(target.address)
                        self._queue(
                            "Accounting-On", {"Acct-Session-Id": f"{self._prefix:04X}0000"}, target
                        )
        self.flush()

    # -- time ------------------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move the simulated clock: traffic accrues; interims, timeouts and limits fire in
        order at their exact times. Returns once their accounting was answered."""
        with self._lock:
            target = self.now + seconds
            while True:
                step_end = min([target, *(s.next_event(self.now) for s in self._sessions.values())])
                step = max(0.0, step_end - self.now)
                for live in self._sessions.values():
                    up, down = live.rates()
                    live.octets_in += up * step
                    live.octets_out += down * step
                    live.uptime += step
                self.now = step_end
                for live in list(self._sessions.values()):
                    self._due(live)
                if self.now >= target - 1e-9:
                    break
            for live in self._sessions.values():
                self._update_row(live)
        self.flush()

    def flush(self, timeout: float = 60) -> None:
        """Wait until every queued accounting packet was answered (or given up)."""
        deadline = time.monotonic() + timeout
        while self._outbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _due(self, live: Session) -> None:
        eps = 1e-6
        if live.data_limit is not None and live.total >= live.data_limit - eps:
            over = live.total - live.data_limit
            if over > 0 and live.total:  # back to exactly the limit, in and out in proportion
                share = live.octets_in / live.total
                live.octets_in -= over * share
                live.octets_out -= over * (1 - share)
            self._end(live, "Session-Timeout")
        elif live.session_timeout is not None and live.uptime >= live.session_timeout - eps:
            self._end(live, "Session-Timeout")
        elif live.next_interim is not None and self.now >= live.next_interim - eps:
            live.next_interim += live.interim or 0
            self._account(live, "Interim-Update")

    def _tick_loop(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(self.tick):
            now = time.monotonic()
            try:
                self.advance((now - last) * self.speed)
            except Exception:  # noqa: BLE001 - the ticker must survive a bad moment
                log.exception("simulated NAS tick failed")
            last = now

    # -- internals -------------------------------------------------------------------------------
    def _service_settings(self, service: str, server: str | None) -> dict[str, Any] | str:
        if service == HOTSPOT:
            servers = [r for r in self.state.rows("/ip/hotspot") if r.get("disabled") != "true"]
            if server is not None:
                servers = [r for r in servers if r.get("name") == server]
            if not servers:
                return "no hotspot server on this router"
            chosen = servers[0]
            profiles = self.state.find("/ip/hotspot/profile", name=chosen.get("profile", "default"))
            profile = profiles[0] if profiles else {}
            return {
                "server": chosen.get("name", "hotspot1"),
                "use_radius": profile.get("use-radius") == "true",
                "accounting": profile.get("radius-accounting", "true") != "false",
                "interim": parse_duration(profile.get("radius-interim-update", "")),
                "login_by": set((profile.get("login-by") or "").split(",")),
            }
        aaa = self.state.singleton("/ppp/aaa")
        pppoe = self.state.rows("/interface/pppoe-server/server")
        return {
            "server": server or (pppoe[0].get("service-name") if pppoe else "") or "pppoe",
            "use_radius": aaa.get("use-radius") == "true",
            "accounting": aaa.get("accounting", "true") != "false",
            "interim": parse_duration(aaa.get("interim-update", "")),
            "login_by": set(),
        }

    def _local_user(self, service: str, username: str, password: str) -> dict[str, Any] | None:
        if service == HOTSPOT:
            for row in self.state.find("/ip/hotspot/user", name=username):
                if row.get("password", "") == password and row.get("disabled") != "true":
                    return {
                        "timeout": parse_duration(row.get("limit-uptime", "")),
                        "data": int(row.get("limit-bytes-total") or 0) or None,
                        "ip": row.get("address") or None,
                    }
            return None
        for row in self.state.find("/ppp/secret", name=username):
            if row.get("password", "") == password and row.get("disabled") != "true":
                return {"ip": row.get("remote-address") or None}
        return None

    def _local_password_wrong(self, service: str, username: str) -> bool:
        """A local user with that name exists (and the password did not match): no RADIUS."""
        path = "/ip/hotspot/user" if service == HOTSPOT else "/ppp/secret"
        return bool(self.state.find(path, name=username))

    def _address(self, service: str) -> str:
        n = next(self._addresses)
        network = "10.5.50" if service == HOTSPOT else "10.10.0"
        return f"{network}.{n % 240 + 10}"

    def _targets(self, service: str) -> list[RadiusTarget]:
        wanted = RADIUS_SERVICE[service]
        targets = []
        for row in self.state.rows("/radius"):
            if row.get("disabled") == "true" or wanted not in (row.get("service") or "").split(","):
                continue
            targets.append(
                RadiusTarget(
                    address=row["address"],
                    secret=row.get("secret", "").encode(),
                    auth_port=int(row.get("authentication-port") or 1812),
                    acct_port=int(row.get("accounting-port") or 1813),
                    timeout=float(parse_duration(row.get("timeout", "")) or 3),
                    source=row.get("src-address") or self.host,
                    message_auth=row.get("require-message-auth") != "no",
                )
            )
        return targets

    def _client(self, target: RadiusTarget) -> Client:
        client = Client(
            server=target.address,
            authport=target.auth_port,
            acctport=target.acct_port,
            secret=target.secret,
            dict=radius_dictionary(),
            enforce_ma=target.message_auth,
        )
        client.bind((target.source, 0))
        client.retries, client.timeout = 2, target.timeout
        return client

    def _authenticate(
        self, session: Session, password: str, *, chap: bool
    ) -> tuple[bool, dict[str, str], list[bytes]] | None:
        for target in self._targets(session.service):
            client = self._client(target)
            try:
                request = client.CreateAuthPacket(
                    code=AccessRequest, message_authenticator=target.message_auth
                )
                self._identify(request, session, target)
                request["User-Name"] = session.username
                if chap:
                    challenge, chap_id = secrets.token_bytes(16), secrets.randbelow(256)
                    digest = hashlib.md5(bytes([chap_id]) + password.encode() + challenge)
                    request["CHAP-Password"] = bytes([chap_id]) + digest.digest()
                    request["CHAP-Challenge"] = challenge
                else:
                    request["User-Password"] = request.PwCrypt(password)
                reply = client.SendPacket(request)
            except Timeout:
                continue  # the next server, as RouterOS tries them in order
            finally:
                client._CloseSocket()
            attributes = {
                str(key): ",".join(str(v) for v in reply[key])
                for key in reply.keys()
                if key not in ("Message-Authenticator", "Class")
            }
            classes = list(reply["Class"]) if "Class" in reply else []
            return reply.code == AccessAccept, attributes, classes
        return None

    def _identify(self, packet: Any, session: Session, target: RadiusTarget) -> None:
        """The attributes a MikroTik puts in every request about the session and itself."""
        packet["NAS-IP-Address"] = target.source
        packet["NAS-Identifier"] = self.identity
        packet["NAS-Port"] = session.nas_port
        packet["NAS-Port-Type"] = "Ethernet"
        packet["NAS-Port-Id"] = session.server
        packet["Acct-Session-Id"] = session.id
        packet["Calling-Station-Id"] = session.mac
        packet["Called-Station-Id"] = session.server
        if session.ip:
            packet["Framed-IP-Address"] = session.ip
        if session.service == HOTSPOT:
            packet["Service-Type"] = "Login-User"
            if session.ip:
                packet["Mikrotik-Host-IP"] = session.ip
        else:
            packet["Service-Type"] = "Framed-User"
            packet["Framed-Protocol"] = "PPP"

    def _apply_reply(
        self, session: Session, attributes: dict[str, str], interim: int | None
    ) -> None:
        def number(name: str) -> int | None:
            value = attributes.get(name)
            return int(value) if value not in (None, "") else None

        session.session_timeout = number("Session-Timeout")
        total, giga = number("Mikrotik-Total-Limit"), number("Mikrotik-Total-Limit-Gigawords")
        session.data_limit = (
            (total or 0) + (giga or 0) * GIGAWORD if total is not None or giga else None
        )
        session.rate_cap = parse_rate(attributes.get("Mikrotik-Rate-Limit", ""))
        # The interval RADIUS sends wins over the profile's (RouterOS: radius-interim-update).
        session.interim = number("Acct-Interim-Interval") or interim
        if session.interim and session.next_interim is None:
            session.next_interim = session.started + session.interim
        if "Framed-IP-Address" in attributes and session.service == PPPOE:
            session.ip = attributes["Framed-IP-Address"]

    def _open(self, session: Session, attributes: dict[str, str], login_by: str) -> LoginResult:
        with self._lock:
            session.started = self.now
            if session.interim:
                session.next_interim = session.started + session.interim
            self._sessions[session.id] = session
            session.row_id = self.state.add_row(
                ACTIVE_MENU[session.service], self._row(session, login_by), check=False
            )
            if attributes.get("Mikrotik-Address-List") and session.ip:
                # As RouterOS does: the session's address joins the list while it is logged in.
                session.address_list_id = self.state.add_row(
                    ADDRESS_LIST_MENU,
                    {
                        "list": attributes["Mikrotik-Address-List"],
                        "address": session.ip,
                        "dynamic": "true",
                        "comment": f"{session.service} {session.username}",
                    },
                    check=False,
                )
            if session.radius and session.accounting:
                self._account(session, "Start")
        self.flush()
        return LoginResult(True, "", attributes, session)

    def _row(self, session: Session, login_by: str = "") -> dict[str, Any]:
        common = {"uptime": format_uptime(int(session.uptime)), "radius": session.radius}
        if session.service == PPPOE:
            return {
                **common,
                "name": session.username,
                "service": "pppoe",
                "caller-id": session.mac,
                "address": session.ip,
                "encoding": "",
                "session-id": f"0x{session.id}",
            }
        left = ""
        if session.session_timeout is not None:
            left = format_uptime(max(0, int(session.session_timeout - session.uptime)))
        values = {
            **common,
            "server": session.server,
            "user": session.username,
            "address": session.ip,
            "mac-address": session.mac,
            "session-time-left": left,
            "idle-time": "0s",
            "bytes-in": int(session.octets_in),
            "bytes-out": int(session.octets_out),
            "packets-in": int(session.octets_in) // 1000,
            "packets-out": int(session.octets_out) // 1000,
        }
        if login_by:
            values["login-by"] = login_by
        return values

    def _update_row(self, session: Session) -> None:
        path = ACTIVE_MENU[session.service]
        values = self._row(session)
        if session.service == PPPOE:
            values = {"uptime": values["uptime"]}
        try:
            self.state.set_row(path, session.row_id, values)
        except Exception:  # noqa: BLE001 - removed meanwhile: _on_change ends it
            pass

    def _match(self, username: str | None, session_id: str | None, ip: str | None) -> list[Session]:
        return [
            s
            for s in self._sessions.values()
            if username in (None, s.username) and session_id in (None, s.id) and ip in (None, s.ip)
        ]

    def _end(self, session: Session, cause: str) -> None:
        """Forget the session, remove its row, send its Stop (called with the lock held)."""
        self._sessions.pop(session.id, None)
        try:
            self.state.remove_rows(ACTIVE_MENU[session.service], [session.row_id])
        except Exception:  # noqa: BLE001 - its row is already gone (an API remove)
            pass
        self._address_list_leave(session)
        if session.radius and session.accounting:
            self._account(session, "Stop", cause)

    def _address_list_leave(self, session: Session) -> None:
        if session.address_list_id:
            try:
                self.state.remove_rows(ADDRESS_LIST_MENU, [session.address_list_id])
            except Exception:  # noqa: BLE001 - removed over the API meanwhile
                pass
            session.address_list_id = ""

    def _on_change(self, path: str) -> None:
        """A row of an active menu removed over the API (or by a test) ends its session."""
        if path not in ACTIVE_MENU.values():
            return
        with self._lock:
            present = {r[".id"] for r in self.state.rows(path)}
            for live in list(self._sessions.values()):
                gone = live.row_id and live.row_id not in present  # '' while being added
                if ACTIVE_MENU[live.service] == path and gone:
                    self._sessions.pop(live.id, None)
                    self._address_list_leave(live)
                    if live.radius and live.accounting:
                        self._account(live, "Stop", "Admin-Reset")

    def _account(self, session: Session, status: str, cause: str | None = None) -> None:
        targets = self._targets(session.service)
        if not targets or (status == "Stop" and self.lose_stops):
            return
        octets_in, octets_out = int(session.octets_in), int(session.octets_out)
        attributes: dict[str, Any] = {
            "User-Name": session.username,
            "Acct-Session-Time": int(session.uptime),
            "Acct-Input-Octets": octets_in % GIGAWORD,
            "Acct-Output-Octets": octets_out % GIGAWORD,
            "Acct-Input-Gigawords": octets_in // GIGAWORD,
            "Acct-Output-Gigawords": octets_out // GIGAWORD,
            "Acct-Input-Packets": octets_in // 1000,
            "Acct-Output-Packets": octets_out // 1000,
        }
        if cause:
            attributes["Acct-Terminate-Cause"] = cause
        if session.classes:
            attributes["Class"] = session.classes
        self._queue(status, attributes, targets[0], session)

    def _queue(
        self,
        status: str,
        attributes: dict[str, Any],
        target: RadiusTarget,
        session: Session | None = None,
    ) -> None:
        self._outbox.put(
            (status, {"attributes": attributes, "target": target, "session": session,
                      "at": int(self.now)})
        )  # fmt: skip

    def _send_loop(self) -> None:
        while True:
            item = self._outbox.get()
            try:
                if item is None:
                    return
                self._send(*item)
            except Exception as exc:  # noqa: BLE001 - recorded; the queue must keep going
                self.errors.append(f"{item[0] if item else ''}: {exc}")
                log.exception("simulated NAS accounting failed")
            finally:
                self._outbox.task_done()

    def _send(self, status: str, job: dict[str, Any]) -> None:
        target: RadiusTarget = job["target"]
        session: Session | None = job["session"]
        client = self._client(target)
        client.retries = 3
        try:
            request = client.CreateAcctPacket()
            if session is not None:
                self._identify(request, session, target)
            else:
                request["NAS-IP-Address"] = target.source
                request["NAS-Identifier"] = self.identity
            request["Acct-Status-Type"] = status
            request["Acct-Delay-Time"] = 0
            request["Event-Timestamp"] = job["at"]
            for key, value in job["attributes"].items():
                request[key] = value
            try:
                client.SendPacket(request)
            except Timeout:
                self.errors.append(f"{status} for {target.address}: no answer")
                return
            self.sent.append((status, dict(job["attributes"])))
        finally:
            client._CloseSocket()
