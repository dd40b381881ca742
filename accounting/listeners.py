"""Accounting reacts to the domain events of the apps it reads."""

from __future__ import annotations

from accounting.ingest_sweep import ingest_sweep_ensure
from radtik.events import DomainEvent, listen


@listen("radius", "RadiusServerCreated")
def server_created(event: DomainEvent) -> None:
    """A new server's sessions are read from its first interval on, not the next minute's
    revival of the sweep."""
    ingest_sweep_ensure()
