"""A RouterOS API simulator: real wire protocol, stateful menus, fault injection, many routers;
and the router's NAS side (nas.py: hotspot/PPPoE logins over real RADIUS, accounting, CoA)."""

from routers.routeros.simulator.farm import SimulatorFarm, numbered_profile, raise_nofile_limit
from routers.routeros.simulator.faults import Faults
from routers.routeros.simulator.hotspot_http import HotspotPages
from routers.routeros.simulator.nas import LoginResult, Session, SimulatedNas, configure_radius
from routers.routeros.simulator.profile import RouterProfile, build_state, seed_bulk
from routers.routeros.simulator.server import SimulatedRouter
from routers.routeros.simulator.state import RouterState, Trap

__all__ = [
    "Faults",
    "HotspotPages",
    "LoginResult",
    "RouterProfile",
    "RouterState",
    "Session",
    "SimulatedNas",
    "SimulatedRouter",
    "SimulatorFarm",
    "Trap",
    "build_state",
    "configure_radius",
    "numbered_profile",
    "raise_nofile_limit",
    "seed_bulk",
]
