"""Reading the STK callback Daraja POSTs to our CallBackURL, defensively.

Callbacks come from the internet: every shape problem becomes a `CallbackParseError` that says
what is wrong, never a KeyError or TypeError.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.mpesa.errors import CallbackParseError
from billing.mpesa.phone import normalize_phone
from billing.mpesa.result_codes import SUCCESS
from billing.mpesa.types import StkCallback
from billing.mpesa.wire import parse_daraja_timestamp

# What we answer Daraja with once a callback is stored (any 200 stops nothing, but this is the
# documented acknowledgement).
CALLBACK_ACK = {"ResultCode": 0, "ResultDesc": "Accepted"}


def parse_callback(body: bytes | str | dict[str, Any]) -> StkCallback:
    """The `Body.stkCallback` of a callback request (raw bytes or already-decoded JSON)."""
    data = _decode(body)
    stk = _mapping(_mapping(data, "Body", "callback"), "stkCallback", "Body")
    result_code = _int(stk.get("ResultCode"), "ResultCode")
    fields: dict[str, Any] = {
        "merchant_request_id": _text(stk.get("MerchantRequestID"), "MerchantRequestID"),
        "checkout_request_id": _text(stk.get("CheckoutRequestID"), "CheckoutRequestID"),
        "result_code": result_code,
        "result_desc": str(stk.get("ResultDesc") or ""),
    }
    if result_code != SUCCESS:
        return StkCallback(**fields)  # failures carry no CallbackMetadata
    items = _items(stk)
    receipt = items.get("MpesaReceiptNumber")
    if receipt is None or not str(receipt).strip():
        raise CallbackParseError("successful STK callback has no MpesaReceiptNumber")
    return StkCallback(
        **fields,
        amount=_amount(items.get("Amount")),
        receipt=str(receipt).strip(),
        transaction_date=_date(items.get("TransactionDate")),
        phone=_phone(items.get("PhoneNumber")),
    )


def _decode(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if not isinstance(body, bytes | str):
        raise CallbackParseError(f"callback body must be bytes or JSON, not {type(body).__name__}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CallbackParseError(f"callback body is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CallbackParseError(f"callback body must be a JSON object, not {type(data).__name__}")
    return data


def _mapping(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        raise CallbackParseError(f"callback has no {key} in {where}")
    if not isinstance(value, dict):
        raise CallbackParseError(f"callback {key} must be an object, not {type(value).__name__}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise CallbackParseError(f"callback {name} is missing or not text")
    return value


def _int(value: Any, name: str) -> int:
    # Callbacks send ResultCode as a number; be lenient about "0" but not about true/1.5/"x".
    if isinstance(value, bool) or value is None:
        raise CallbackParseError(f"callback {name} is missing or not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise CallbackParseError(f"callback {name} is not an integer: {value!r:.40}")


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
