"""What each STK ResultCode means, for operators and for customers, in one place.

`daraja_desc` is the text Daraja itself puts in ResultDesc (the simulator sends it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SUCCESS = 0
# Daraja's codes are integers, and strings such as SFC_IC0003 in Safaricom's table (PROTOCOLS.md).
ResultCode = int | str
MAX_INT_CODE = 2**31 - 1  # what Daraja's integer codes fit in (and so do we)
TEXT_CODE = re.compile(r"(?=[A-Z0-9_]{2,20}$)[A-Z][A-Z0-9_]*\d[A-Z0-9_]*")  # SFC_IC0003, C2B00011


def result_code_from(value: Any) -> ResultCode:
    """Daraja's ResultCode as an int ("1032" and 1032 alike) or a text code such as SFC_IC0003.
    ValueError for anything else: booleans, fractions, out-of-range numbers, free text."""
    code = value
    if isinstance(value, str):
        text = value.strip()
        if TEXT_CODE.fullmatch(text):
            return text
        if text.lstrip("-").isdigit():
            code = int(text)
    if isinstance(code, bool) or not isinstance(code, int):
        raise ValueError(f"ResultCode must be an integer or a code like SFC_IC0003: {value!r:.40}")
    if abs(code) > MAX_INT_CODE:
        raise ValueError(f"ResultCode {str(code)[:40]} is out of range")
    return code


@dataclass(frozen=True)
class ResultCodeMeaning:
    code: ResultCode
    daraja_desc: str
    operator_text: str
    customer_text: str
    retryable: bool  # may the customer simply try again?


_MEANINGS = [
    ResultCodeMeaning(
        0,
        "The service request is processed successfully.",
        "Paid.",
        "Payment received. Thank you!",
        False,
    ),
    ResultCodeMeaning(
        1,
        "The balance is insufficient for the transaction.",
        "Customer's M-Pesa balance was too low.",
        "Your M-Pesa balance is not enough for this payment. Top up and try again.",
        True,
    ),
    ResultCodeMeaning(
        1001,
        "Unable to lock subscriber, a transaction is already in process for the current subscriber",
        "Customer already had another M-Pesa transaction in progress.",
        "Another M-Pesa transaction is in progress on your phone. Wait a minute and try again.",
        True,
    ),
    ResultCodeMeaning(
        1019,
        "Transaction has expired",
        "The payment request expired before the customer completed it.",
        "The payment request expired. Please try again.",
        True,
    ),
    ResultCodeMeaning(
        1025,
        "An error occurred while sending a push request",
        "Safaricom could not send the payment prompt to the phone.",
        "We could not send the payment prompt to your phone. Please try again.",
        True,
    ),
    ResultCodeMeaning(
        1032,
        "Request cancelled by user",
        "Customer cancelled the payment prompt.",
        "You cancelled the payment.",
        True,
    ),
    ResultCodeMeaning(
        1037,
        "DS timeout user cannot be reached",
        "Customer's phone was unreachable (off, out of coverage or SIM toolkit not responding).",
        "We could not reach your phone. Make sure it is on and has network, then try again.",
        True,
    ),
    ResultCodeMeaning(
        2001,
        "The initiator information is invalid.",
        "Customer entered a wrong M-Pesa PIN.",
        "Wrong M-Pesa PIN. Please try again.",
        True,
    ),
    ResultCodeMeaning(
        9999,
        "An error occurred while sending a push request",
        "Safaricom reported an error sending the payment prompt.",
        "We could not send the payment prompt to your phone. Please try again.",
        True,
    ),
]

RESULT_CODES: dict[ResultCode, ResultCodeMeaning] = {m.code: m for m in _MEANINGS}


def describe_result_code(code: ResultCode, daraja_desc: str = "") -> ResultCodeMeaning:
    """The meaning of `code`; unknown codes keep Daraja's own text so nothing is hidden."""
    known = RESULT_CODES.get(code)
    if known is not None:
        return known
    desc = daraja_desc or "no description"
    return ResultCodeMeaning(
        code,
        desc,
        f"M-Pesa result code {code}: {desc}",
        "The payment did not go through. Please try again.",
        True,
    )
