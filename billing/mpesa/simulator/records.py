"""What the simulator saw and did, kept for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from billing.mpesa.simulator.scenario import Scenario


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None  # parsed JSON, None when absent or not JSON
    status: int  # what the simulator answered
    response: dict[str, Any] | str


@dataclass(frozen=True)
class CallbackDelivery:
    checkout_request_id: str
    url: str
    body: dict[str, Any]
    status_code: int | None  # None when the receiver could not be reached
    error: str | None
    response_text: str


@dataclass
class SimTransaction:
    """One accepted push and its (pre-decided) outcome."""

    merchant_request_id: str
    checkout_request_id: str
    phone: str
    amount: int
    account_reference: str
    callback_url: str
    scenario: Scenario
    result_code: int | str
    result_desc: str
    receipt: str | None  # only for result_code 0
    decided_at: float  # time.monotonic() when the outcome is known; queries say pending before
    rate_limited_left: int = 0
    callback_amount: int | float = field(init=False)  # the Amount the callback reports

    def __post_init__(self) -> None:
        override = self.scenario.amount
        self.callback_amount = self.amount if override is None else override
