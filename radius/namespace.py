"""One username namespace per RADIUS server, across every source that writes users to it.

Vouchers, subscriptions and moved PPP secrets keep their users in their own tables; each app
registers a lookup here (in its AppConfig.ready), so radius/ answers "who holds this name on
this server" without depending on those apps. The agent refuses the same overwrites (its
owner table): this side names the owner in the operator's terms and catches it earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from django.db import connection

from radius.choices import OwnerKind
from radius.client import AgentClient, BatchResult, ItemError
from radius.models import RadiusServer
from radius.users import RadiusOwner, RadiusUser
from tenants.selectors import tenant_radius_interim_interval

OwnerLookup = Callable[[RadiusServer, Collection[str]], dict[str, RadiusOwner]]
_lookups: list[OwnerLookup] = []


def username_source_register(lookup: OwnerLookup) -> None:
    """lookup(server, usernames) -> {username: owner} for the names its source holds there."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def radius_owner(*, kind: OwnerKind, id: int, name: str = "") -> RadiusOwner:
    """The owner `id` of `kind` in the current tenant; `name` only makes the label clearer."""
    label = f"{kind.label} {id}" + (f" ({name})" if name else "")
    return RadiusOwner(schema=connection.schema_name, kind=kind.value, id=id, label=label)


def username_owners(
    *, server: RadiusServer, usernames: Collection[str], skip: OwnerLookup | None = None
) -> dict[str, RadiusOwner]:
    """Who holds each of these names on the server (names nobody holds are absent). `skip`: a
    source the caller has checked already, in its own terms."""
    found: dict[str, RadiusOwner] = {}
    # Each lookup sends the names as one array (field__any), however many: one query per
    # source for a 100,000-voucher batch, not one per 5,000 names.
    for lookup in _lookups:
        if lookup is skip:
            continue
        for name, owner in lookup(server, usernames).items():
            found.setdefault(name, owner)
    return found


def usernames_taken(
    *, server: RadiusServer, usernames: list[str], owner: RadiusOwner
) -> dict[str, str]:
    """{username: why not} for the names another owner holds on the server."""
    conflicts = _conflicts(server, [(name, owner) for name in usernames])
    return {usernames[index]: reason for index, reason in conflicts.items()}


@dataclass(frozen=True)
class CheckedUsers:
    """Users checked against the server's namespace: those to send, and the item errors of
    those another source holds."""

    users: list[RadiusUser]
    sendable: list[int]  # indexes in users
    refused: list[ItemError]

    def send(self, agent: AgentClient) -> BatchResult:
        """Write the sendable users through the agent; every item error at its index in users.
        Only HTTP, no database: it may run on a thread of its own (vouchers.sync pipelines)."""
        sent = self.sendable
        result = agent.batch([self.users[i] for i in sent]) if sent else BatchResult(0, 0)
        errors = self.refused + [ItemError(sent[e.index], e.username, e.reason)
                                 for e in result.errors]  # fmt: skip
        errors.sort(key=lambda error: error.index)
        return BatchResult(synced=result.synced, failed=len(errors), errors=errors)


def radius_users_check(
    *, server: RadiusServer, users: list[RadiusUser], skip: OwnerLookup | None = None
) -> CheckedUsers:
    """Users ready to send, except those another source holds on this server: they become
    item errors naming the owner, like the agent's. Each carries the tenant's accounting
    interval, whichever source built it. `skip`: a source that cannot hold these names for
    anyone else (vouchers: their names are unique in the tenant)."""
    interval = tenant_radius_interim_interval()
    users = [u if u.interim_interval == interval else replace(u, interim_interval=interval)
             for u in users]  # fmt: skip
    conflicts = _conflicts(server, [(user.username, user.owner) for user in users], skip)
    refused = [ItemError(i, users[i].username, reason) for i, reason in conflicts.items()]
    sendable = [index for index in range(len(users)) if index not in conflicts]
    return CheckedUsers(users=users, sendable=sendable, refused=refused)


def radius_users_send(
    *, agent: AgentClient, server: RadiusServer, users: list[RadiusUser]
) -> BatchResult:
    """Write users through the agent, except those another source holds on this server (item
    errors at their index in users, like the agent's)."""
    return radius_users_check(server=server, users=users).send(agent)


def radius_users_delete(*, agent: AgentClient, usernames: list[str]) -> int:
    """Delete users from the agent, except those another tenant sharing it owns."""
    return agent.delete(usernames, scope=connection.schema_name)


def _conflicts(
    server: RadiusServer, claims: list[tuple[str, RadiusOwner]], skip: OwnerLookup | None = None
) -> dict[int, str]:
    """{index in claims: reason} where another owner holds the claimed name."""
    holders = username_owners(server=server, usernames=[name for name, _ in claims], skip=skip)
    return {
        index: f"username {name!r} on server {server.name!r} already belongs to "
        f"{holders[name].label}"
        for index, (name, owner) in enumerate(claims)
        if name in holders and holders[name].key != owner.key
    }
