"""What the client returns: plain frozen values, free of Daraja's field spellings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from billing.mpesa.result_codes import (
    SUCCESS,
    ResultCode,
    ResultCodeMeaning,
    describe_result_code,
)


@dataclass(frozen=True)
class StkPushResult:
    """Daraja accepted the push; the outcome arrives later by callback (or by STK query)."""

    merchant_request_id: str
    checkout_request_id: str
    response_code: str
    response_description: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryResult:
    """`pending` until the customer acts; then `result_code` is the same code the callback has."""

    checkout_request_id: str
    result_code: ResultCode | None
    result_desc: str
    pending: bool

    @property
    def succeeded(self) -> bool:
        return self.result_code == SUCCESS

    @property
    def meaning(self) -> ResultCodeMeaning | None:
        if self.result_code is None:
            return None
        return describe_result_code(self.result_code, self.result_desc)


@dataclass(frozen=True)
class StkCallback:
    """One STK callback. Amount, receipt, date and phone are present only on success."""

    merchant_request_id: str
    checkout_request_id: str
    result_code: ResultCode
    result_desc: str
    amount: Decimal | None = None
    receipt: str | None = None
    transaction_date: datetime | None = None  # aware, Nairobi time
    phone: str | None = None  # 2547…, or Daraja's text as sent when it is masked/hashed

    @property
    def succeeded(self) -> bool:
        return self.result_code == SUCCESS

    @property
    def meaning(self) -> ResultCodeMeaning:
        return describe_result_code(self.result_code, self.result_desc)
