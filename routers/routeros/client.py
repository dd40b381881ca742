"""The adapter radtik calls to talk to a MikroTik router, over the routeros-api package.

One `RouterClient` = one TCP connection for one batch of operations, always closed:

    with RouterClient.connect(Credentials(host, username, password, timeout=5)) as api:
        api.identity(); api.interfaces()

Every failure surfaces as a `RouterError` subclass (see errors.py). Not thread-safe: use one
client per thread.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import routeros_api
from routeros_api import exceptions as ros_exc

from routers.routeros import types as t
from routers.routeros.errors import (
    RouterCommandError,
    RouterConnectionLost,
    RouterError,
    RouterLoginFailed,
    RouterProtocolError,
    RouterTimeout,
    RouterTLSError,
    RouterUnreachable,
)
from routers.routeros.tls_pin import pinned_context

API_PORT = 8728
API_SSL_PORT = 8729
_T = TypeVar("_T")
_UNREACHABLE_ERRNOS = {
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.EHOSTDOWN,
    errno.ENETDOWN,
    errno.EADDRNOTAVAIL,
}
_LOST = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


@dataclass(frozen=True)
class Credentials:
    """Where and how to log in. The password is kept out of repr (and out of every message)."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # None: 8728, or 8729 with TLS
    use_tls: bool = False
    tls_verify: bool = True  # MikroTik's default certificates are self-signed: opt out knowingly
    tls_certificate: str = field(default="", repr=False)  # PEM pinned on first contact
    timeout: float = 10.0

    @property
    def effective_port(self) -> int:
        return self.port or (API_SSL_PORT if self.use_tls else API_PORT)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.effective_port}"


def _root_os_error(exc: BaseException) -> OSError | None:
    """routeros-api wraps socket errors (as args[0] or str); find the original OSError."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        for arg in getattr(seen, "args", ()):
            if isinstance(arg, OSError):
                return arg
        seen = seen.__cause__ or seen.__context__
    return None


class RouterClient:
    """An open, logged-in API session. Create with `RouterClient.connect(credentials)`."""

    def __init__(
        self, credentials: Credentials, pool: routeros_api.RouterOsApiPool, api: Any
    ) -> None:
        self.credentials = credentials
        self._pool = pool
        self._api = api
        self._closed = False

    def __repr__(self) -> str:
        return f"<RouterClient {self.credentials.username}@{self.credentials.address}>"

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def connect(cls, credentials: Credentials) -> RouterClient:
        context: ssl.SSLContext | None = None
        if credentials.use_tls and credentials.tls_certificate:
            context = pinned_context(credentials.tls_certificate)
        elif credentials.use_tls:
            context = ssl.create_default_context()
            if not credentials.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        pool = routeros_api.RouterOsApiPool(
            credentials.host,
            username=credentials.username,
            password=credentials.password,
            port=credentials.effective_port,
            plaintext_login=True,
            use_ssl=credentials.use_tls,
            ssl_context=context,
        )
        pool.socket_timeout = credentials.timeout  # instance attribute shadows the 15 s default
        error: RouterError | None = None
        try:
            api = pool.get_api()
        except Exception as exc:  # noqa: BLE001 - every failure is translated below
            pool.disconnect()  # get_api leaves the socket open when login fails
            error = _translate(exc, credentials, stage="login", command="/login")
        if error is not None:
            raise error  # raised outside `except`: no chained exception quoting the password
        return cls(credentials, pool, api)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._pool.disconnect()
            except OSError:
                pass

    def __enter__(self) -> RouterClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- generic operations ----------------------------------------------------------------------
    def call(
        self,
        path: str,
        command: str,
        /,
        queries: dict[str, Any] | None = None,
        **arguments: Any,
    ) -> list[dict[str, str]]:
        """Run `<path>/<command>` with `=key=value` arguments and `?key=value` queries.

        Python keyword names use `_` (routeros-api turns them into `-`); rows come back keyed as
        RouterOS prints them (`.id`, `mac-address`).
        """
        return self._run(path, command, queries, arguments)[0]

    def _run(
        self, path: str, command: str, queries: dict[str, Any] | None, arguments: dict[str, Any]
    ) -> tuple[list[dict[str, str]], dict[str, str]]:
        """Returns the !re rows and the attributes of !done (e.g. `ret` after add)."""
        path = "/" + path.strip("/")
        command_word = f"{path}/{command}"
        if self._closed:
            raise RouterConnectionLost(
                f"{command_word}: this router session is already closed",
                host=self.credentials.host,
                port=self.credentials.effective_port,
            )
        args = {k: t.to_api_value(v) for k, v in arguments.items()}
        query = {k: t.to_api_value(v) for k, v in (queries or {}).items()}

        def run() -> Any:
            return self._api.get_resource(path).call(command, args, query)

        response = self._guard(run, command_word)
        done = _clean_row(getattr(response, "done_message", None) or {})
        return [_clean_row(row) for row in response], done

    def print(
        self, path: str, /, proplist: Iterable[str] | None = None, **query: Any
    ) -> list[dict[str, str]]:
        """`print` with equality queries, e.g. `print('/ip/pool', name='hs-pool')`."""
        arguments: dict[str, Any] = {}
        if proplist is not None:
            arguments["proplist"] = ",".join(proplist)
        return self.call(path, "print", queries=query, **arguments)

    def count(self, path: str, /, **query: Any) -> int:
        """How many items `print` would return (`count-only`: RouterOS sends no rows)."""
        done = self._run(path, "print", query, {"count_only": ""})[1]
        return t.parse_int(done.get("ret")) or 0

    def add(self, path: str, /, **fields: Any) -> str:
        """Add an item; returns its new `.id` (e.g. '*1A')."""
        return self._run(path, "add", None, fields)[1].get("ret", "")

    def set(self, path: str, item_id: str, /, **fields: Any) -> None:
        self.call(path, "set", id=item_id, **fields)

    def remove(self, path: str, *item_ids: str) -> None:
        if item_ids:
            self.call(path, "remove", id=",".join(item_ids))

    def set_singleton(self, path: str, /, **fields: Any) -> None:
        """`set` on a menu without items, e.g. `/system/identity`, `/ppp/aaa`."""
        self.call(path, "set", **fields)

    def get_singleton(self, path: str) -> dict[str, str]:
        rows = self.print(path)
        return rows[0] if rows else {}

    def find_by_name(self, path: str, name: str) -> dict[str, str] | None:
        rows = self.print(path, name=name)
        return rows[0] if rows else None

    def enable(self, path: str, *item_ids: str) -> None:
        self.call(path, "enable", numbers=",".join(item_ids))

    def disable(self, path: str, *item_ids: str) -> None:
        self.call(path, "disable", numbers=",".join(item_ids))

    # -- typed reads -----------------------------------------------------------------------------
    def identity(self) -> t.Identity:
        return t.Identity.from_row(self.get_singleton("/system/identity"))

    def resource(self) -> t.Resource:
        return t.Resource.from_row(self.get_singleton("/system/resource"))

    def routerboard(self) -> t.Routerboard:
        return t.Routerboard.from_row(self.get_singleton("/system/routerboard"))

    def interfaces(self) -> list[t.Interface]:
        return [t.Interface.from_row(r) for r in self.print("/interface")]

    def interface_counters(self) -> list[t.InterfaceCounters]:
        """Byte counters of every interface (what traffic rates are computed from)."""
        fields = ("name", "type", "running", "disabled", "rx-byte", "tx-byte")
        return [t.InterfaceCounters.from_row(r) for r in self.print("/interface", proplist=fields)]

    def ip_addresses(self) -> list[t.IpAddress]:
        return [t.IpAddress.from_row(r) for r in self.print("/ip/address")]

    def ip_pools(self) -> list[t.IpPool]:
        return [t.IpPool.from_row(r) for r in self.print("/ip/pool")]

    def ppp_secrets(self) -> list[t.PppSecret]:
        return [t.PppSecret.from_row(r) for r in self.print("/ppp/secret")]

    def ppp_profiles(self) -> list[t.PppProfile]:
        return [t.PppProfile.from_row(r) for r in self.print("/ppp/profile")]

    def ppp_active(self) -> list[t.PppActive]:
        return [t.PppActive.from_row(r) for r in self.print("/ppp/active")]

    def hotspot_servers(self) -> list[t.HotspotServer]:
        return [t.HotspotServer.from_row(r) for r in self.print("/ip/hotspot")]

    def hotspot_server_profiles(self) -> list[t.HotspotServerProfile]:
        return [t.HotspotServerProfile.from_row(r) for r in self.print("/ip/hotspot/profile")]

    def hotspot_users(self) -> list[t.HotspotUser]:
        return [t.HotspotUser.from_row(r) for r in self.print("/ip/hotspot/user")]

    def hotspot_user_profiles(self) -> list[t.HotspotUserProfile]:
        rows = self.print("/ip/hotspot/user/profile")
        return [t.HotspotUserProfile.from_row(r) for r in rows]

    def hotspot_active(self) -> list[t.HotspotActive]:
        return [t.HotspotActive.from_row(r) for r in self.print("/ip/hotspot/active")]

    def radius_clients(self) -> list[t.RadiusClient]:
        return [t.RadiusClient.from_row(r) for r in self.print("/radius")]

    # -- hotspot and PPPoE conveniences (payments) -----------------------------------------------
    def hotspot_user_upsert(
        self,
        name: str,
        password: str,
        profile: str,
        limit_uptime: str | int | None = None,
        limit_bytes_total: int | None = None,
    ) -> str:
        """Create or update a hotspot user by name; idempotent. Returns the item's `.id`.

        `limit_uptime` is a RouterOS duration ('1h', '2d') or seconds; None leaves it unlimited.
        """
        fields: dict[str, Any] = {
            "password": password,
            "profile": profile,
            "limit_uptime": _duration(limit_uptime),
            "limit_bytes_total": limit_bytes_total or 0,
        }
        return self.upsert_by_name("/ip/hotspot/user", name, **fields)

    def hotspot_user_remove(self, name: str) -> bool:
        """Remove a hotspot user by name; False if there was none."""
        return self.remove_by_name("/ip/hotspot/user", name)

    def hotspot_active_remove_by_user(self, name: str) -> int:
        """Disconnect every active hotspot session of `name`; returns how many were removed."""
        ids = [row[".id"] for row in self.print("/ip/hotspot/active", user=name)]
        self.remove("/ip/hotspot/active", *ids)
        return len(ids)

    def ppp_secret_upsert(self, name: str, password: str, profile: str) -> str:
        """Create or update a PPPoE secret by name; idempotent. Returns the item's `.id`."""
        return self.upsert_by_name(
            "/ppp/secret", name, password=password, profile=profile, service="pppoe"
        )

    def ppp_secret_remove(self, name: str) -> bool:
        """Remove a PPP secret by name; False if there was none."""
        return self.remove_by_name("/ppp/secret", name)

    def upsert_by_name(self, menu: str, name: str, **fields: Any) -> str:
        """Set the item called `name` in `menu`, or add it; idempotent. Returns its `.id`."""
        existing = self.find_by_name(menu, name)
        if existing is not None:
            self.set(menu, existing[".id"], **fields)
            return existing[".id"]
        return self.add(menu, name=name, **fields)

    def remove_by_name(self, menu: str, name: str) -> bool:
        existing = self.find_by_name(menu, name)
        if existing is None:
            return False
        self.remove(menu, existing[".id"])
        return True

    def ppp_active_remove_by_name(self, name: str) -> int:
        ids = [row[".id"] for row in self.print("/ppp/active", name=name)]
        self.remove("/ppp/active", *ids)
        return len(ids)

    # -- error translation -----------------------------------------------------------------------
    def _guard(self, fn: Callable[[], _T], command: str) -> _T:
        error: RouterError | None = None
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - every failure is translated below
            error = _translate(exc, self.credentials, stage="command", command=command)
            if not isinstance(error, RouterCommandError):
                self.close()  # the session is unusable after a transport failure
        raise error


def _duration(value: str | int | None) -> str:
    if value is None or value == 0:
        return "0s"  # RouterOS: 0 = no limit
    return f"{value}s" if isinstance(value, int) else value


def _clean_row(row: dict[str, Any]) -> dict[str, str]:
    """routeros-api strips the dot from `.id`; put RouterOS's own key back."""
    return {(".id" if key == "id" else key): value for key, value in row.items()}


def _translate(exc: BaseException, creds: Credentials, *, stage: str, command: str) -> RouterError:
    where = creds.address
    kw: dict[str, Any] = {"host": creds.host, "port": creds.effective_port}
    if isinstance(exc, RouterError):
        return exc
    if isinstance(exc, ros_exc.RouterOsApiCommunicationError):
        raw = exc.original_message
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if stage == "login":
            return RouterLoginFailed(
                f"{where} rejected the login for user '{creds.username}': {message}. Check the "
                "API user name and password (the bootstrap script creates them).",
                **kw,
            )
        return RouterCommandError(
            f"{command} failed on {where}: {message}", command=command, router_message=message, **kw
        )
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return RouterTLSError(
            f"TLS with {where} failed ({reason}). Check that api-ssl is enabled with a "
            "certificate in /ip service, or connect without TLS on 8728.",
            **kw,
        )
    if isinstance(exc, ros_exc.RouterOsApiConnectionClosedError):
        return RouterConnectionLost(
            f"{where} closed the connection during {command}. Retry; if it repeats, check the "
            "router's log and its /ip service api max-sessions.",
            **kw,
        )
    os_error = _root_os_error(exc)
    if isinstance(os_error, TimeoutError):
        # connect() timeouts arrive as the OSError itself (or wrapped in args); read timeouts
        # arrive as a string with the OSError only in __context__.
        connecting = isinstance(exc, OSError) or any(isinstance(a, OSError) for a in exc.args)
        action = "connecting" if connecting else f"waiting for a reply to {command}"
        return RouterTimeout(
            f"No answer from {where} within {creds.timeout:g}s while {action}. Check the "
            "address and port, the firewall between us, and that this server's address is in "
            "the router's /ip service api 'address' (allowed) list.",
            **kw,
        )
    if isinstance(os_error, socket.gaierror):
        return RouterUnreachable(
            f"Cannot resolve router host '{creds.host}'. Check the address.", **kw
        )
    if isinstance(os_error, ConnectionRefusedError):
        return RouterUnreachable(
            f"{where} refused the connection. Check the address and port, and that the api "
            "service is enabled in /ip service.",
            **kw,
        )
    if isinstance(os_error, _LOST):
        return RouterConnectionLost(
            f"{where} reset the connection during {command}. Retry; "
            "if it repeats, check the router's /ip service api.",
            **kw,
        )
    if os_error is not None and os_error.errno in _UNREACHABLE_ERRNOS:
        return RouterUnreachable(
            f"No route to {where}. Check the address and the network "
            "path (VPN, routes) to the router.",
            **kw,
        )
    if isinstance(exc, ros_exc.RouterOsApiConnectionError):
        return RouterConnectionLost(f"Connection to {where} failed during {command}.", **kw)
    if isinstance(exc, ros_exc.RouterOsApiError):
        return RouterProtocolError(
            f"{where} ended the session or sent an unexpected reply during {command}. Check "
            "that this port is the RouterOS API (8728/8729), not winbox or ssh.",
            **kw,
        )
    if isinstance(exc, OSError):
        return RouterUnreachable(
            f"Cannot reach {where}: {exc.strerror or type(exc).__name__}.", **kw
        )
    return RouterError(
        f"Unexpected error talking to {where} during {command}: {type(exc).__name__}", **kw
    )
