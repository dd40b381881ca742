"""Reading the STK callback Daraja POSTs to our CallBackURL, defensively.

Callbacks come from the internet: every shape problem becomes a `CallbackParseError` that says
what is wrong, never a KeyError or TypeError. Values are checked against what the payment row
holds too: a callback that parses is one the inbox can store on its payment (a 40-character
receipt or an amount of 1e20 would otherwise fail there, on every try).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.mpesa.errors import CallbackParseError
from billing.mpesa.phone import normalize_phone
from billing.mpesa.result_codes import SUCCESS, result_code_from
from billing.mpesa.types import StkCallback
from billing.mpesa.wire import parse_daraja_timestamp

# What we answer Daraja with once a callback is stored (any 200 stops nothing, but this is the
# documented acknowledgement).
CALLBACK_ACK = {"ResultCode": 0, "ResultDesc": "Accepted"}
# An STK callback nests 6 deep (Body.stkCallback.CallbackMetadata.Item[...]); more is not Daraja.
MAX_DEPTH = 10
# Request ids as Daraja sends them (ws_CO_191220191020363925, 29115-34620561-1), bounded.
REQUEST_ID = re.compile(r"[\x21-\x7e]{1,100}")
RECEIPT = re.compile(r"[A-Za-z0-9]{1,30}")  # M-Pesa's are 10 (OEB44R5U3U)
MAX_AMOUNT = Decimal("9999999999.99")  # what a payment's paid_amount holds; M-Pesa's cap is lower
MAX_DESC = 500


def parse_callback(body: bytes | str | dict[str, Any]) -> StkCallback:
    """The `Body.stkCallback` of a callback request (raw bytes or already-decoded JSON)."""
    data = _decode(body)
    stk = _mapping(_mapping(data, "Body", "callback"), "stkCallback", "Body")
    try:
        result_code = result_code_from(stk.get("ResultCode"))
    except ValueError as exc:
        raise CallbackParseError(f"callback {exc}") from None
    fields: dict[str, Any] = {
        "merchant_request_id": _request_id(stk.get("MerchantRequestID"), "MerchantRequestID"),
        "checkout_request_id": _request_id(stk.get("CheckoutRequestID"), "CheckoutRequestID"),
        "result_code": result_code,
        "result_desc": _desc(stk.get("ResultDesc")),
    }
    if result_code != SUCCESS:
        return StkCallback(**fields)  # failures carry no CallbackMetadata
    items = _items(stk)
    receipt = items.get("MpesaReceiptNumber")
    if receipt is None or not str(receipt).strip():
        raise CallbackParseError("successful STK callback has no MpesaReceiptNumber")
    receipt = str(receipt).strip()
    if not RECEIPT.fullmatch(receipt):
        raise CallbackParseError(
            f"callback MpesaReceiptNumber must be 1-30 letters and digits: {receipt!r:.40}"
        )
    return StkCallback(
        **fields,
        amount=_amount(items.get("Amount")),
        receipt=receipt,
        transaction_date=_date(items.get("TransactionDate")),
        phone=_phone(items.get("PhoneNumber")),
    )


def _decode(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        _check_depth(body)
        return body
    if not isinstance(body, bytes | str):
        raise CallbackParseError(f"callback body must be bytes or JSON, not {type(body).__name__}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CallbackParseError(f"callback body is not JSON ({exc})") from None
    except RecursionError:  # thousands deep: json's C scanner gives up before _check_depth
        raise CallbackParseError(f"callback JSON is nested deeper than {MAX_DEPTH}") from None
    if not isinstance(data, dict):
        raise CallbackParseError(f"callback body must be a JSON object, not {type(data).__name__}")
    _check_depth(data)
    return data


def _check_depth(data: dict[str, Any]) -> None:
    level, depth = [data], 1
    while level:
        if depth > MAX_DEPTH:
            raise CallbackParseError(f"callback JSON is nested deeper than {MAX_DEPTH}")
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        depth += 1


def _mapping(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        raise CallbackParseError(f"callback has no {key} in {where}")
    if not isinstance(value, dict):
        raise CallbackParseError(f"callback {key} must be an object, not {type(value).__name__}")
    return value


def _request_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise CallbackParseError(f"callback {name} is missing or not text")
    if not REQUEST_ID.fullmatch(value):
        raise CallbackParseError(
            f"callback {name} must be 1-100 printable characters without spaces: {value!r:.40}"
        )
    return value


def _desc(value: Any) -> str:
    # Free text, kept for the operator: bounded, and without the NUL PostgreSQL cannot store.
    return str(value or "")[:MAX_DESC].replace("\x00", "")


def _items(stk: dict[str, Any]) -> dict[str, Any]:
    """CallbackMetadata.Item as {Name: Value}; items without a Value (Balance) map to None."""
    metadata = _mapping(stk, "CallbackMetadata", "a successful stkCallback")
    raw_items = metadata.get("Item")
    if not isinstance(raw_items, list):
        raise CallbackParseError("callback CallbackMetadata.Item must be a list")
    items: dict[str, Any] = {}
    for item in raw_items:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise CallbackParseError("callback CallbackMetadata.Item has an entry without a Name")
        items[item["Name"]] = item.get("Value")
    return items


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CallbackParseError("successful STK callback has no numeric Amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise CallbackParseError(f"callback Amount is not a number: {value!r:.40}") from None
    if not amount.is_finite() or amount <= 0:
        raise CallbackParseError(f"callback Amount must be positive, got {value!r:.40}")
    if amount > MAX_AMOUNT:
        raise CallbackParseError(
            f"callback Amount is out of range (up to {MAX_AMOUNT}): {value!r:.40}"
        )
    return amount


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_daraja_timestamp(str(value))
    except ValueError as exc:
        raise CallbackParseError(f"callback TransactionDate is not YYYYMMDDHHmmss: {exc}") from None


def _phone(value: Any) -> str | None:
    if value is None:
        return None
    # Safaricom has been seen masking or hashing this field; the payment is still valid, so keep
    # the text as sent rather than rejecting the callback.
    try:
        return normalize_phone(value)
    except ValueError:
        return str(value)
