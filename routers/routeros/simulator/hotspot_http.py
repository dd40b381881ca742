"""The simulated router's hotspot web side: its pages (/login, /status, /logout) and, for the
devices behind it, the interception a MikroTik hotspot does.

    pages = HotspotPages(nas).start()     # on the router's address, a free port
    pages.login_url                       # http://127.0.0.1:PORT/login (the pages, directly)
    device = HotspotDevice(pages, "AA:BB:CC:00:00:01")   # device.py: a phone behind the hotspot

Directly, GET /login shows the login form; POST /login (or GET with username=&password=, which
a real hotspot takes too) logs in through the NAS; mac and ip are optional form fields.

A device's requests reach the router as an HTTP proxy's (absolute URLs, CONNECT for TLS), which
is how a hotspot sees them on the wire: before login, a request to a host in the walled garden
is forwarded and any other is answered with the redirect to the login page (the host is never
contacted); after login everything is forwarded. Requests to the hotspot's address (the
profile's hotspot-address or dns-name) are the router's own pages, served from the profile's
html-directory in /file with RouterOS's $(variables) when it holds them (the built-in pages
otherwise). login-by=cookie logs a returning device in again from the cookie it got at login,
login-by=mac-cookie by its MAC, in any browser.
A real login page hashes the password with md5.js for http-chap; here it is posted as typed and
the router does the CHAP hashing itself, so the Access-Request is the same.
"""

from __future__ import annotations

import base64
import html
import http.client
import re
import select
import socket
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from routers.routeros.simulator.hotspot_net import Device, HotspotNet
from routers.routeros.simulator.state import format_uptime

if TYPE_CHECKING:
    from routers.routeros.simulator.nas import Session, SimulatedNas

COOKIE = "sim-hotspot-session"
LOGIN_COOKIE = "sim-hotspot-login"  # login-by=cookie
HOP_BY_HOP = frozenset(
    {"connection", "proxy-connection", "proxy-authorization", "keep-alive", "te", "trailer",
     "transfer-encoding", "upgrade"}
)  # fmt: skip
VARIABLE = re.compile(r"\$\(([a-z-]+)\)")
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{identity} hotspot</h1>{body}</body></html>
"""
FORM = """<form name="login" action="{action}" method="post">
<p class="error">{error}</p>
<label>Username <input name="username" value="{username}" autofocus></label>
<label>Password <input name="password" type="password"></label>
<input type="hidden" name="mac" value="{mac}"><input type="hidden" name="ip" value="{ip}">
<input type="hidden" name="dst" value="{dst}">
<button type="submit">Log in</button>
</form>"""


class HotspotPages:
    def __init__(self, nas: SimulatedNas, *, host: str | None = None, port: int = 0) -> None:
        self.nas = nas
        self.net = HotspotNet(nas.state)
        handler = type("Handler", (_Handler,), {"pages": self})
        self.server = ThreadingHTTPServer((host or nas.host, port), handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"hotspot-http-{self.host}", daemon=True
        )

    @property
    def login_url(self) -> str:
        return f"http://{self.host}:{self.port}/login"

    def start(self) -> HotspotPages:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def session_of(self, device: Device) -> Session | None:
        for session in self.nas.sessions():
            if session.service == "hotspot" and session.mac.upper() == device.mac:
                return session
        return None


class _Handler(BaseHTTPRequestHandler):
    pages: HotspotPages

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass  # quiet: tests and `make run` read their own logs

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._dispatch("GET", b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > 64 * 1024:
            self._page(413, "Too large", "<p>Request too large.</p>")
            return
        self._dispatch("POST", self.rfile.read(length))

    def do_CONNECT(self) -> None:  # noqa: N802
        """TLS from a device: tunnelled when logged in or to the walled garden's IP list."""
        device = self._device()
        if device is None:
            return
        host, _, port = self.path.rpartition(":")
        net = self.pages.net
        if self.pages.session_of(device) is None and not net.walled_garden_allows(
            host, "", ip_level=True
        ):
            self._page(403, "Blocked", "<p>Log in to the hotspot first.</p>")
            return
        try:
            upstream = socket.create_connection((net.resolve(host), int(port or 443)), timeout=30)
        except (OSError, ValueError):
            self._page(502, "Unreachable", f"<p>{html.escape(host)} cannot be reached.</p>")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        _relay(self.connection, upstream)
        self.close_connection = True

    # -- routing ---------------------------------------------------------------------------------
    def _dispatch(self, method: str, body: bytes) -> None:
        url = urlsplit(self.path)
        fields = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if method == "POST":
            fields |= {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not (url.scheme and url.hostname):
            self._router_page(url.path, fields, None)  # the pages, reached directly
            return
        device = self._device()
        if device is None:
            return
        if url.hostname in self.pages.net.router_hosts() | {self.pages.host}:
            self._router_page(url.path, fields, device)
        elif self.pages.session_of(device) is not None or self.pages.net.walled_garden_allows(
            url.hostname, url.path
        ):
            self._forward(method, url, body)
        else:
            self._to_login(device, self.path)

    def _device(self) -> Device | None:
        """The device sending this request, by the MAC it names (see module docstring)."""
        auth = self.headers.get("Proxy-Authorization") or ""
        scheme, _, encoded = auth.partition(" ")
        mac = ""
        if scheme.lower() == "basic":
            try:
                mac = base64.b64decode(encoded).decode().split(":", 6)
                mac = ":".join(mac[:6]) if len(mac) >= 6 else ""
            except (ValueError, UnicodeDecodeError):
                mac = ""
        if not re.fullmatch(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", mac):
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="device MAC"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.pages.net.device(mac)

    def _router_page(self, path: str, fields: dict[str, str], device: Device | None) -> None:
        if path == "/login":
            if fields.get("username"):
                self._login(fields, device)
            elif device is not None and self._cookie_login(fields, device):
                return
            else:
                self._form(fields, device)
        elif path == "/status":
            self._status(device)
        elif path == "/logout":
            self._logout(device)
        elif path == "/":
            self._redirect("/login")
        else:
            self._page(404, "Not found", "<p>No such page.</p>")

    # -- pages -----------------------------------------------------------------------------------
    def _form(self, fields: dict[str, str], device: Device | None, error: str = "") -> None:
        dst = fields.get("dst", "")
        served = self._file("login.html", device, error=error, dst=dst)
        if served is not None:
            self._page(200, "", served, raw=True)
            return
        body = FORM.format(
            action=self._login_link(device),
            error=html.escape(error),
            username=html.escape(fields.get("username", "")),
            mac=html.escape(fields.get("mac", "")),
            ip=html.escape(fields.get("ip", "")),
            dst=html.escape(dst),
        )
        self._page(200, "Log in", body)

    def _login(self, fields: dict[str, str], device: Device | None) -> None:
        username = fields.get("username", "").strip()
        password = fields.get("password", "")
        mac = device.mac if device else fields.get("mac") or None
        ip = device.ip if device else fields.get("ip") or None
        result = self.pages.nas.login(username, password, mac=mac, ip=ip)
        if not result.accepted or result.session is None:
            # A real hotspot answers its login page again, with $(error) filled in.
            self._form(fields, device, result.message or "login failed")
            return
        self._logged_in(result.session, device, fields.get("dst", ""), (username, password))

    def _cookie_login(self, fields: dict[str, str], device: Device) -> bool:
        """A device that logged in before with login-by=cookie: logged in again, through RADIUS
        as the first time (an expired user is refused and sees the login page)."""
        login_by = set((self.pages.net.profile().get("login-by") or "").split(","))
        morsel = SimpleCookie(self.headers.get("Cookie") or "").get(LOGIN_COOKIE)
        token = morsel.value if morsel and "cookie" in login_by else None
        if token not in device.cookies and "mac-cookie" in login_by and device.cookies:
            # login-by=mac-cookie: the router knows the device by its MAC, whatever browser
            # (or captive portal window, which keeps no cookies) it comes back with.
            token = next(reversed(device.cookies))
        credentials = device.cookies.get(token) if token else None
        if credentials is None:
            return False
        result = self.pages.nas.login(*credentials, mac=device.mac, ip=device.ip)
        if not result.accepted or result.session is None:
            device.cookies.pop(token, None)
            return False
        self._logged_in(result.session, device, fields.get("dst", ""), None)
        return True

    def _logged_in(
        self,
        session: Session,
        device: Device | None,
        dst: str,
        credentials: tuple[str, str] | None,
    ) -> None:
        cookies = [f"{COOKIE}={session.id}; Path=/; HttpOnly"]
        if device is not None:
            self.pages.net.authorize(device, True)
            login_by = (self.pages.net.profile().get("login-by") or "").split(",")
            if credentials is not None and {"cookie", "mac-cookie"} & set(login_by):
                token = self.pages.net.remember(device, *credentials)
                cookies.append(f"{LOGIN_COOKIE}={token}; Path=/; HttpOnly")
        served = self._file("alogin.html", device, session=session, dst=dst)
        if served is not None:
            self._page(200, "", served, cookies=cookies, raw=True)
            return
        self._page(
            200,
            "Logged in",
            f"<p>You are logged in as <b>{html.escape(session.username)}</b> "
            f"({html.escape(session.ip)}).</p>{self._limits(session)}"
            '<p><a href="/status">Status</a> · <a href="/logout">Log out</a></p>',
            cookies=cookies,
        )

    def _current(self, device: Device | None) -> Session | None:
        if device is not None:
            return self.pages.session_of(device)
        morsel = SimpleCookie(self.headers.get("Cookie") or "").get(COOKIE)
        return self.pages.nas.session(morsel.value) if morsel else None

    def _status(self, device: Device | None) -> None:
        session = self._current(device)
        if session is None:
            self._redirect("/login")
            return
        served = self._file("status.html", device, session=session)
        if served is not None:
            self._page(200, "", served, raw=True)
            return
        self._page(
            200,
            "Status",
            f"<p>Logged in as <b>{html.escape(session.username)}</b>, up "
            f"{format_uptime(int(session.uptime))}, {int(session.octets_out)} bytes down, "
            f"{int(session.octets_in)} bytes up.</p>{self._limits(session)}"
            '<p><a href="/logout">Log out</a></p>',
        )

    def _logout(self, device: Device | None) -> None:
        session = self._current(device)
        if session is not None:
            self.pages.nas.logout(session)
        if device is not None:
            self.pages.net.authorize(device, False)
        served = self._file("logout.html", device, session=session)
        if served is not None:
            self._page(200, "", served, raw=True)
            return
        self._page(200, "Logged out", '<p>You have just logged out.</p><a href="/login">Log in</a>')

    def _to_login(self, device: Device, original: str) -> None:
        """What a device not logged in gets for any host outside the walled garden."""
        served = self._file("rlogin.html", device, dst=original)
        if served is not None:
            self._page(200, "", served, raw=True)
            return
        self._redirect(f"{self._login_link(device)}?dst={quote(original, safe='')}")

    # -- the html directory ----------------------------------------------------------------------
    def _login_link(self, device: Device | None) -> str:
        if device is not None:
            address = self.pages.net.profile().get("hotspot-address")
            if address:
                return f"http://{address}/login"
        return "/login" if device is None else self.pages.login_url

    def _file(
        self,
        name: str,
        device: Device | None,
        *,
        session: Session | None = None,
        error: str = "",
        dst: str = "",
    ) -> str | None:
        directory = self.pages.net.profile().get("html-directory")
        if device is None or not directory:
            return None
        rows = self.pages.nas.state.find("/file", name=f"{directory}/{name}")
        if not rows:
            return None
        login = self._login_link(device)
        base = login.rsplit("/", 1)[0]
        values = {
            "identity": self.pages.nas.identity,
            "mac": device.mac,
            "ip": device.ip,
            "username": session.username if session else "",
            "error": error,
            "link-login": f"{login}?dst={quote(dst, safe='')}" if dst else login,
            "link-login-only": login,
            "link-orig": dst,
            "link-redirect": dst or f"{base}/status",
            "link-status": f"{base}/status",
            "link-logout": f"{base}/logout",
            "uptime": format_uptime(int(session.uptime)) if session else "",
            "bytes-in-nice": f"{int(session.octets_in)} B" if session else "",
            "bytes-out-nice": f"{int(session.octets_out)} B" if session else "",
            "session-time-left": _time_left(session),
        }
        for key in ("mac", "link-login-only", "link-orig", "link-redirect", "error"):
            values[f"{key}-esc"] = quote(values[key], safe="")

        def substitute(match: re.Match[str]) -> str:
            value = values.get(match.group(1), "")
            return value if match.group(1).endswith("-esc") else html.escape(value)

        return VARIABLE.sub(substitute, rows[0].get("contents", ""))

    # -- forwarding ------------------------------------------------------------------------------
    def _forward(self, method: str, url, body: bytes) -> None:
        """Pass the request on to its host (as the router's NAT would) and the answer back."""
        target = self.pages.net.resolve(url.hostname or "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        connection = http.client.HTTPConnection(target, url.port or 80, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError as exc:
            self._page(502, "Unreachable", f"<p>{html.escape(str(exc))}</p>")
            return
        finally:
            connection.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # -- plumbing --------------------------------------------------------------------------------
    @staticmethod
    def _limits(session: Session) -> str:
        parts = []
        if session.session_timeout is not None:
            parts.append(f"time left {_time_left(session)}")
        if session.data_limit is not None:
            parts.append(f"data left {max(0, int(session.data_limit - session.total))} bytes")
        return f"<p>{html.escape(', '.join(parts))}</p>" if parts else ""

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _page(
        self,
        status: int,
        title: str,
        body: str,
        cookies: list[str] | None = None,
        *,
        raw: bool = False,
    ) -> None:
        identity = html.escape(self.pages.nas.identity)
        text = body if raw else PAGE.format(title=title, identity=identity, body=body)
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for cookie in cookies or []:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)


def _time_left(session: Session | None) -> str:
    if session is None or session.session_timeout is None:
        return ""
    return format_uptime(max(0, int(session.session_timeout - session.uptime)))


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 60)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


__all__ = ["HotspotPages"]
