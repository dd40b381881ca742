"""HTTP client of the RADIUS agent. No ORM here: services pass plain values in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings

from radius.users import RadiusUser

if TYPE_CHECKING:
    from radius.models import RadiusServer


class AgentError(Exception):
    """Base: a message an operator can act on."""


class AgentUnavailable(AgentError):
    """Transport failure (down, refused, timed out, 5xx): worth retrying later."""


class AgentRejected(AgentError):
    """The agent refused the request (bad token, bad input): retrying will not help."""


@dataclass(frozen=True)
class ItemError:
    index: int
    username: str
    reason: str


@dataclass(frozen=True)
class BatchResult:
    synced: int
    failed: int
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class SessionsPage:
    sessions: list[dict[str, Any]]  # the agent's session views (radius/agent/store/accounting.py)
    cursor: int  # the last change in the page: the next page's `after`
    more: bool


@dataclass(frozen=True)
class DisconnectResult:
    result: str  # "ack", "nak" or "timeout" (the NAS's answer to the agent's Disconnect-Request)
    error_cause: int | None = None

    @property
    def acked(self) -> bool:
        return self.result == "ack"


@dataclass
class AgentClient:
    base_url: str
    token: str = field(repr=False)
    timeout: float = 15.0

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> AgentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise AgentUnavailable(
                f"RADIUS agent at {self.base_url} did not answer within {self.timeout:g} s"
            ) from None
        except requests.ConnectionError:
            raise AgentUnavailable(
                f"RADIUS agent at {self.base_url} is unreachable: check it runs and the address"
            ) from None
        if response.status_code >= 500:
            raise AgentUnavailable(
                f"RADIUS agent at {self.base_url} failed (HTTP {response.status_code})"
            )
        if response.status_code == 401:
            raise AgentRejected(
                f"RADIUS agent at {self.base_url} refused the token: re-enter the server's token"
            )
        return response

    def _rejected(self, response: requests.Response) -> AgentRejected:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        return AgentRejected(
            f"RADIUS agent refused the request (HTTP {response.status_code}): {detail}"[:500]
        )

    def batch(self, users: Sequence[RadiusUser]) -> BatchResult:
        """Write the users; item errors at their index in users. Sent in the agent's compact
        form: each distinct set of the users' other fields once, and per user its name,
        password and set (a batch's vouchers share one set)."""
        response = self._call("POST", "/batch", json=compact_batch(users))
        if response.status_code != 200:
            raise self._rejected(response)
        body = response.json()
        return BatchResult(
            synced=int(body.get("synced", 0)),
            failed=int(body.get("failed", 0)),
            errors=[
                ItemError(int(e["index"]), str(e.get("username", "")), str(e["reason"]))
                for e in body.get("errors", [])
            ],
        )

    def delete(self, usernames: list[str], *, scope: str | None = None) -> int:
        """How many were deleted; with a scope, users another scope owns are kept."""
        response = self._call("POST", "/delete", json={"usernames": usernames, "scope": scope})
        if response.status_code != 200:
            raise self._rejected(response)
        return int(response.json().get("deleted", 0))

    def get_user(self, username: str) -> dict[str, Any] | None:
        response = self._call("GET", f"/users/{requests.utils.quote(username, safe='')}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._rejected(response)
        return response.json()

    def client_put(self, *, address: str, secret: str, shortname: str) -> None:
        """Make the router at `address` a RADIUS client of this server (FreeRADIUS's nas)."""
        response = self._call(
            "PUT", f"/clients/{address}", json={"secret": secret, "shortname": shortname[:32]}
        )
        if response.status_code != 200:
            raise self._rejected(response)

    def client_delete(self, *, address: str) -> bool:
        """The router at `address` is no longer a client; False: it was not one (already gone)."""
        response = self._call("DELETE", f"/clients/{address}")
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            raise self._rejected(response)
        return True

    def check(self) -> dict[str, str]:
        """Whether the agent answers, reaches its database and accepts the token: its open
        /health (503 when its database is down), then an authenticated lookup of no user
        (nothing read or written)."""
        response = self._call("GET", "/health")
        if response.status_code != 200:
            raise self._rejected(response)
        self.lookup([])
        return {"agent": self.base_url, "database": str(response.json().get("db", ""))}

    def sessions(self, *, after: int, limit: int) -> SessionsPage:
        """Sessions whose accounting changed after the cursor, oldest change first."""
        response = self._call("GET", "/sessions", params={"after": after, "limit": limit})
        if response.status_code != 200:
            raise self._rejected(response)
        body = response.json()
        return SessionsPage(
            sessions=list(body.get("sessions", [])),
            cursor=int(body.get("cursor", after)),
            more=bool(body.get("more")),
        )

    def disconnect(
        self,
        *,
        nas: str,
        port: int,
        username: str = "",
        session_id: str = "",
        framed_ip: str = "",
        timeout: float = 3.0,
    ) -> DisconnectResult:
        """Have the agent send the NAS a Disconnect-Request (RFC 5176) for the session."""
        body = {"nas": nas, "port": port, "username": username, "session_id": session_id,
                "framed_ip": framed_ip, "timeout": timeout}  # fmt: skip
        response = self._call("POST", "/disconnect", json=body)
        if response.status_code != 200:
            raise self._rejected(response)
        answer = response.json()
        return DisconnectResult(str(answer.get("result", "")), answer.get("error_cause"))

    def session_close(self, radacct_id: int) -> bool:
        """Have the agent close an open session (Admin-Reset); False if it already was."""
        response = self._call("POST", f"/sessions/{radacct_id}/close")
        if response.status_code != 200:
            raise self._rejected(response)
        return bool(response.json().get("closed"))

    def lookup(self, usernames: list[str]) -> dict[str, str | None]:
        """username → digest of its rows on the agent (None when absent)."""
        response = self._call("POST", "/users/lookup", json={"usernames": usernames})
        if response.status_code != 200:
            raise self._rejected(response)
        return response.json().get("users", {})


def compact_batch(users: Sequence[RadiusUser]) -> dict[str, list]:
    """The agent's compact batch body (radius/agent/attributes.py compact_rows reads it)."""
    sets: dict[tuple, int] = {}
    shared: list[dict[str, Any]] = []
    credentials: list[list] = []
    for user in users:
        key = user.shared_key()
        index = sets.get(key)
        if index is None:
            index = sets[key] = len(shared)
            shared.append(user.shared_fields())
        credentials.append([user.username, user.password, index])
    return {"shared": shared or [{}], "credentials": credentials}


def agent_client_for(server: RadiusServer) -> AgentClient:
    """The one way to reach a server's agent: always with the configured timeout."""
    return AgentClient(
        server.api_base_url, server.auth_token, timeout=settings.RADIUS_AGENT_TIMEOUT
    )
