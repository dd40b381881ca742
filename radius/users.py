"""The RADIUS user radtik writes: one typed value, built by one function for every source.

Vouchers, subscriptions and PPP secrets moved from a router all become a RadiusUser through
radius_user(); the agent client sends it in the agent's batch form. No ORM here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class RadiusOwner:
    """Who holds a username on a RADIUS server: one source row of one tenant."""

    schema: str  # the tenant's schema: two tenants may share an agent
    kind: str  # "voucher_batch", "subscription", "router"
    id: int
    label: str  # for operators: "voucher batch 3"

    @property
    def key(self) -> str:
        """What the agent records; stable, so renaming the source never orphans its users."""
        return f"{self.schema}:{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class RadiusLimits:
    """What FreeRADIUS enforces for a user; None means no limit."""

    time_limit: int | None = None  # seconds of use, across sessions
    data_limit: int | None = None  # bytes
    rate_limit: str | None = None  # MikroTik rx/tx
    simultaneous_use: int | None = None


@dataclass(frozen=True, slots=True)
class RadiusUser:
    username: str
    password: str
    owner: RadiusOwner
    limits: RadiusLimits
    groups: tuple[str, ...]
    expires_at: datetime | None  # a fixed end
    valid_after_first_use: int | None  # seconds from the first login
    # Acct-Interim-Interval in its replies: the tenant's, set where users are sent
    # (radius.namespace.radius_users_send); None leaves it to FreeRADIUS's configured default.
    interim_interval: int | None = None
    mac_lock: bool = False  # only the first device it logs in from (FreeRADIUS checks it)
    # A router address list the user's address joins while logged in (Mikrotik-Address-List),
    # e.g. billing's walled "renew" list.
    address_list: str | None = None

    def with_credentials(self, username: str, password: str) -> RadiusUser:
        """This user under another name and password: a batch's vouchers are one template
        copied. Positionally: dataclasses.replace, which builds a dict of every field first,
        and the key per user in compact_batch were a quarter of a voucher sync's CPU."""
        return RadiusUser(username, password, *_shared_of(self))

    def shared_key(self) -> tuple:
        """Every field but the name and password: equal for users that share their fields."""
        return _shared_of(self)

    def shared_fields(self) -> dict[str, Any]:
        """The agent's fields of the user but its name and password, which the agent's batch
        takes apart (radius.client.compact_batch): what a batch's vouchers share."""
        return {
            "owner": self.owner.key,
            "groups": list(self.groups),
            "time_limit": self.limits.time_limit,
            "data_limit": self.limits.data_limit,
            "rate_limit": self.limits.rate_limit,
            "simultaneous_use": self.limits.simultaneous_use,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "valid_after_first_use": self.valid_after_first_use,
            "interim_interval": self.interim_interval,
            "mac_lock": self.mac_lock,
            "address_list": self.address_list,
        }


_FIELDS = tuple(field.name for field in fields(RadiusUser))
assert _FIELDS[:2] == ("username", "password"), _FIELDS  # with_credentials passes them first
_shared_of = attrgetter(*_FIELDS[2:])


def radius_user(
    *,
    username: str,
    password: str,
    owner: RadiusOwner,
    limits: RadiusLimits,
    groups: Iterable[str] = (),
    expires_at: datetime | None = None,
    valid_after_first_use: int | None = None,
    mac_lock: bool = False,
    address_list: str | None = None,
) -> RadiusUser:
    """The one way a source makes its RADIUS user: empty values mean "none"."""
    return RadiusUser(
        username=username,
        password=password,
        owner=owner,
        limits=RadiusLimits(
            time_limit=limits.time_limit or None,
            data_limit=limits.data_limit or None,
            rate_limit=limits.rate_limit or None,
            simultaneous_use=limits.simultaneous_use or None,
        ),
        groups=tuple(group for group in groups if group),
        expires_at=expires_at,
        valid_after_first_use=valid_after_first_use or None,
        mac_lock=mac_lock,
        address_list=address_list or None,
    )
