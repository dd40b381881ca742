"""A Daraja double for tests and the demo: real HTTP + JSON, scenarios, recorded traffic.

with DarajaSimulator() as sim:
    sim.scenario(phone="0712345678", result_code=1032, delay=0.2)
    client = DarajaClient(sim.client_config())
"""

from billing.mpesa.simulator.backend import Credentials
from billing.mpesa.simulator.callbacks import callback_body
from billing.mpesa.simulator.records import CallbackDelivery, RecordedRequest, SimTransaction
from billing.mpesa.simulator.scenario import Scenario
from billing.mpesa.simulator.server import DEFAULT_CREDENTIALS, DarajaSimulator

__all__ = [
    "DEFAULT_CREDENTIALS",
    "CallbackDelivery",
    "Credentials",
    "DarajaSimulator",
    "RecordedRequest",
    "Scenario",
    "SimTransaction",
    "callback_body",
]
