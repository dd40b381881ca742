"""How the simulated customer and Safaricom behave for a push: set globally or per phone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """Captured when a push arrives, so changing it later does not affect pushes in flight."""

    # 0 paid, 1032 cancelled, 1 no funds, 1037 unreachable, 2001 wrong PIN… or "SFC_IC0003"
    result_code: int | str = 0
    result_desc: str | None = None  # None: Daraja's own text for result_code
    amount: float | None = None  # Amount the callback reports; None: the amount pushed
    delay: float = 0.0  # seconds from push to outcome; STK query says pending until then
    duplicates: int = 1  # how many times the callback is delivered
    concurrent: bool = False  # deliver the duplicates at the same moment, not one after another
    deliver: bool = True  # False: the callback is lost (STK query still answers the outcome)
    latency: float = 0.0  # seconds before answering push/query HTTP requests (client timeouts)
    push_status: int | None = None  # fail the push with this HTTP status…
    push_error_code: str | None = None  # …and this Daraja errorCode (None: a non-JSON body)
    push_error_message: str = "Internal Server Error"
    query_rate_limited: int = 0  # the first N STK queries of the push answer 500.003.02

    def __post_init__(self) -> None:
        if self.duplicates < 0 or self.delay < 0 or self.latency < 0:
            raise ValueError("duplicates, delay and latency cannot be negative")
        if self.push_error_code is not None and self.push_status is None:
            raise ValueError("push_error_code needs push_status (the HTTP status to answer with)")
