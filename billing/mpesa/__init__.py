"""M-Pesa Daraja (STK push) client, callback parser and phone helpers; no Django in here.

The simulator lives in `billing.mpesa.simulator` and is imported only by tests and the demo.
"""

from billing.mpesa.callback import CALLBACK_ACK, parse_callback
from billing.mpesa.client import DarajaClient, clear_token_cache
from billing.mpesa.config import DarajaConfig, Environment, TransactionType
from billing.mpesa.errors import (
    CallbackParseError,
    DarajaAuthError,
    DarajaError,
    DarajaRateLimitedError,
    DarajaRejectedError,
    DarajaTimeoutError,
    DarajaTransportError,
)
from billing.mpesa.phone import mask_phone, normalize_phone
from billing.mpesa.result_codes import (
    RESULT_CODES,
    SUCCESS,
    ResultCode,
    ResultCodeMeaning,
    describe_result_code,
    result_code_from,
)
from billing.mpesa.types import StkCallback, StkPushResult, StkQueryResult

__all__ = [
    "CALLBACK_ACK",
    "RESULT_CODES",
    "SUCCESS",
    "CallbackParseError",
    "DarajaAuthError",
    "DarajaClient",
    "DarajaConfig",
    "DarajaError",
    "DarajaRateLimitedError",
    "DarajaRejectedError",
    "DarajaTimeoutError",
    "DarajaTransportError",
    "Environment",
    "ResultCode",
    "ResultCodeMeaning",
    "StkCallback",
    "StkPushResult",
    "StkQueryResult",
    "TransactionType",
    "clear_token_cache",
    "describe_result_code",
    "mask_phone",
    "normalize_phone",
    "parse_callback",
    "result_code_from",
]
