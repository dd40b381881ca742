"""A RouterOS API simulator: real wire protocol, stateful menus, fault injection, many routers."""

from routers.routeros.simulator.farm import SimulatorFarm, numbered_profile, raise_nofile_limit
from routers.routeros.simulator.faults import Faults
from routers.routeros.simulator.profile import RouterProfile, build_state, seed_bulk
from routers.routeros.simulator.server import SimulatedRouter
from routers.routeros.simulator.state import RouterState, Trap

__all__ = [
    "Faults",
    "RouterProfile",
    "RouterState",
    "SimulatedRouter",
    "SimulatorFarm",
    "Trap",
    "build_state",
    "numbered_profile",
    "raise_nofile_limit",
    "seed_bulk",
]
