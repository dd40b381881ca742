"""What each STK ResultCode means, for operators and for customers, in one place.

`daraja_desc` is the text Daraja itself puts in ResultDesc (the simulator sends it too).
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS = 0


@dataclass(frozen=True)
class ResultCodeMeaning:
    code: int
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

RESULT_CODES: dict[int, ResultCodeMeaning] = {meaning.code: meaning for meaning in _MEANINGS}


def describe_result_code(code: int, daraja_desc: str = "") -> ResultCodeMeaning:
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
