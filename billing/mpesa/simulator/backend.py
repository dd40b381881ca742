"""Daraja's behaviour, without HTTP: OAuth, STK push, STK query, and the outcome of each push.

Every answer follows Daraja's shapes: success bodies with ResponseCode "0", error bodies
`{requestId, errorCode, errorMessage}` whose HTTP status is the code's first part.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from billing.mpesa.config import TransactionType
from billing.mpesa.phone import normalize_phone
from billing.mpesa.result_codes import SUCCESS, describe_result_code
from billing.mpesa.simulator.ids import IdGenerator
from billing.mpesa.simulator.records import SimTransaction
from billing.mpesa.simulator.scenario import Scenario
from billing.mpesa.wire import (
    INVALID_TOKEN_CODE,
    NAIROBI,
    OAUTH_PATH,
    QUERY_PENDING_CODE,
    STK_PUSH_PATH,
    STK_QUERY_PATH,
    parse_daraja_timestamp,
    stk_password,
)

_MSISDN = re.compile(r"254[17]\d{8}")
_BAD_REQUEST = "400.002.02"


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | str
    latency: float = 0.0  # the HTTP layer waits this long before answering


@dataclass(frozen=True)
class Credentials:
    consumer_key: str
    consumer_secret: str
    shortcode: str
    passkey: str


class DarajaBackend:
    def __init__(
        self,
        credentials: Credentials,
        *,
        seed: int,
        token_ttl: int,
        timestamp_tolerance: float,
        on_accepted: Callable[[SimTransaction], None],
    ) -> None:
        self.credentials = credentials
        self.token_ttl = token_ttl
        self.timestamp_tolerance = timestamp_tolerance
        self._on_accepted = on_accepted
        self._lock = threading.RLock()  # _error() takes it too, sometimes while held
        self._ids = IdGenerator(seed)
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._default = Scenario()
        self._per_phone: dict[str, Scenario] = {}
        self._transactions: dict[str, SimTransaction] = {}

    # -- test controls -------------------------------------------------------------------------
    def set_scenario(self, scenario: Scenario, phone: str | None) -> None:
        with self._lock:
            if phone is None:
                self._default = scenario
            else:
                self._per_phone[normalize_phone(phone)] = scenario

    def reset_scenarios(self) -> None:
        with self._lock:
            self._default = Scenario()
            self._per_phone.clear()

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def transactions(self) -> list[SimTransaction]:
        with self._lock:
            return list(self._transactions.values())

    # -- HTTP entry point ----------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: dict[str, Any] | None,
    ) -> Reply:
        if path == OAUTH_PATH and method == "GET":
            return self._oauth(query, headers)
        if path in (STK_PUSH_PATH, STK_QUERY_PATH) and method == "POST":
            if not self._token_valid(headers):
                return self._error(INVALID_TOKEN_CODE, "Invalid Access Token")
            if body is None:
                return self._error("400.002.05", "Invalid request payload")
            if path == STK_PUSH_PATH:
                return self._push(body)
            return self._query(body)
        return self._error("404.001.01", "Resource not found")

    def _oauth(self, query: dict[str, str], headers: dict[str, str]) -> Reply:
        if query.get("grant_type") != "client_credentials":
            return self._error("400.008.02", "Invalid grant type passed")
        expected = f"{self.credentials.consumer_key}:{self.credentials.consumer_secret}"
        if _basic_credentials(headers.get("authorization", "")) != expected:
            return self._error("400.008.01", "Invalid Authentication passed")
        with self._lock:
            token = self._ids.token()
            self._tokens[token] = time.monotonic() + self.token_ttl
        return Reply(200, {"access_token": token, "expires_in": str(self.token_ttl)})

    def _token_valid(self, headers: dict[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        with self._lock:
            expires_at = self._tokens.get(token)
        return scheme == "Bearer" and expires_at is not None and expires_at > time.monotonic()

    def _push(self, body: dict[str, Any]) -> Reply:
        problem = self._check_signed(body)
        if problem is not None:
            return problem
        invalid = _invalid_push_field(body)
        if invalid is not None:
            return self._error(_BAD_REQUEST, f"Bad Request - Invalid {invalid}")
        phone = body["PhoneNumber"]
        with self._lock:
            scenario = self._per_phone.get(phone, self._default)
            if scenario.push_status is not None:
                return self._push_failure(scenario)
            now = datetime.now(tz=NAIROBI)
            desc = scenario.result_desc or describe_result_code(scenario.result_code).daraja_desc
            txn = SimTransaction(
                merchant_request_id=self._ids.merchant_request_id(),
                checkout_request_id=self._ids.checkout_request_id(now),
                phone=phone,
                amount=body["Amount"],
                account_reference=body["AccountReference"],
                callback_url=body["CallBackURL"],
                scenario=scenario,
                result_code=scenario.result_code,
                result_desc=desc,
                receipt=self._ids.receipt() if scenario.result_code == SUCCESS else None,
                decided_at=time.monotonic() + scenario.delay,
                rate_limited_left=scenario.query_rate_limited,
            )
            self._transactions[txn.checkout_request_id] = txn
        self._on_accepted(txn)
        reply = {
            "MerchantRequestID": txn.merchant_request_id,
            "CheckoutRequestID": txn.checkout_request_id,
            "ResponseCode": "0",
            "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing",
        }
        return Reply(200, reply, scenario.latency)

    def _push_failure(self, scenario: Scenario) -> Reply:
        assert scenario.push_status is not None  # checked by the caller
        if scenario.push_error_code is None:
            return Reply(scenario.push_status, scenario.push_error_message, scenario.latency)
        body = {
            "requestId": self._ids.request_id(),
            "errorCode": scenario.push_error_code,
            "errorMessage": scenario.push_error_message,
        }
        return Reply(scenario.push_status, body, scenario.latency)

    def _query(self, body: dict[str, Any]) -> Reply:
        problem = self._check_signed(body)
        if problem is not None:
            return problem
        with self._lock:
            txn = self._transactions.get(str(body.get("CheckoutRequestID")))
            if txn is None:
                return self._error(_BAD_REQUEST, "Bad Request - Invalid CheckoutRequestID")
            latency = txn.scenario.latency
            if txn.rate_limited_left > 0:
                txn.rate_limited_left -= 1
                return self._error("500.003.02", "Error Occurred - Spike Arrest Violation", latency)
            if time.monotonic() < txn.decided_at:
                pending = "The transaction is being processed"
                return self._error(QUERY_PENDING_CODE, pending, latency)
        reply = {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": txn.merchant_request_id,
            "CheckoutRequestID": txn.checkout_request_id,
            "ResultCode": str(txn.result_code),  # a string here, unlike in the callback
            "ResultDesc": txn.result_desc,
        }
        return Reply(200, reply, latency)

    def _check_signed(self, body: dict[str, Any]) -> Reply | None:
        """BusinessShortCode, Timestamp (format and freshness) and Password, as Daraja checks."""
        creds = self.credentials
        if str(body.get("BusinessShortCode")) != creds.shortcode:
            return self._error(_BAD_REQUEST, "Bad Request - Invalid BusinessShortCode")
        timestamp = body.get("Timestamp")
        try:
            sent_at = parse_daraja_timestamp(str(timestamp))
        except ValueError:
            return self._error(_BAD_REQUEST, "Bad Request - Invalid Timestamp")
        if abs((datetime.now(tz=NAIROBI) - sent_at).total_seconds()) > self.timestamp_tolerance:
            return self._error(_BAD_REQUEST, "Bad Request - Invalid Timestamp")
        if body.get("Password") != stk_password(creds.shortcode, creds.passkey, str(timestamp)):
            return self._error(QUERY_PENDING_CODE, "Wrong credentials")
        return None

    def _error(self, code: str, message: str, latency: float = 0.0) -> Reply:
        with self._lock:
            request_id = self._ids.request_id()
        body = {"requestId": request_id, "errorCode": code, "errorMessage": message}
        return Reply(int(code.split(".")[0]), body, latency)


def _invalid_push_field(body: dict[str, Any]) -> str | None:
    """The first push field Daraja would refuse, by name."""
    amount = body.get("Amount")
    checks = {
        "TransactionType": body.get("TransactionType") in {t.value for t in TransactionType},
        "Amount": isinstance(amount, int) and not isinstance(amount, bool) and amount >= 1,
        "PartyA": _MSISDN.fullmatch(str(body.get("PartyA"))) is not None,
        "PhoneNumber": _MSISDN.fullmatch(str(body.get("PhoneNumber"))) is not None,
        "PartyB": str(body.get("PartyB", "")).isdigit(),
        "CallBackURL": _is_url(body.get("CallBackURL")),
        "AccountReference": isinstance(body.get("AccountReference"), str)
        and 1 <= len(body["AccountReference"]) <= 12,
        "TransactionDesc": isinstance(body.get("TransactionDesc"), str)
        and bool(body["TransactionDesc"]),
    }
    return next((name for name, valid in checks.items() if not valid), None)


def _is_url(value: Any) -> bool:
    # Real Daraja wants HTTPS; loopback test receivers and the demo use plain HTTP.
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _basic_credentials(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme != "Basic":
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
