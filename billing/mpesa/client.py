"""Daraja client: OAuth (cached per process), STK push and STK query over `requests`.

Services create one `DarajaClient` per tenant config; clients are cheap because tokens live in
the process-wide `shared_token_cache`. Nothing here logs or raises with a secret in it.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests

from billing.mpesa.config import DarajaConfig
from billing.mpesa.errors import (
    DarajaAuthError,
    DarajaError,
    DarajaRateLimitedError,
    DarajaRejectedError,
    DarajaTimeoutError,
    DarajaTransportError,
)
from billing.mpesa.phone import mask_phone, normalize_phone
from billing.mpesa.result_codes import result_code_from
from billing.mpesa.token_cache import shared_token_cache
from billing.mpesa.types import StkPushResult, StkQueryResult
from billing.mpesa.wire import (
    INVALID_TOKEN_CODE,
    OAUTH_PATH,
    QUERY_PENDING_CODE,
    RATE_LIMITED_CODES,
    STK_PUSH_PATH,
    STK_QUERY_PATH,
    daraja_timestamp,
    stk_password,
)

logger = logging.getLogger(__name__)

MAX_ACCOUNT_REFERENCE = 12
_MAX_ECHOED_TEXT = 200  # of Daraja's errorMessage, in our messages

_HINTS = {
    "400.002.02": "Check the field Daraja names: phone 2547…/2541…, a whole Amount ≥ 1, "
    "AccountReference of at most 12 characters, an HTTPS CallBackURL, the shortcode.",
    "500.003.01": "Safaricom had an internal error; try again in a few minutes.",
}


def clear_token_cache() -> None:
    """Forget every cached access token (after rotating credentials, and between tests)."""
    shared_token_cache.clear()


class DarajaClient:
    def __init__(self, config: DarajaConfig, *, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._cache_key = shared_token_cache.key(config.base_url, config.consumer_key)
        self._host = urlsplit(config.base_url).netloc

    def __repr__(self) -> str:
        return f"DarajaClient({self.config!r})"

    def access_token(self) -> str:
        """A valid OAuth token, from the process cache or freshly fetched."""
        return shared_token_cache.get_or_fetch(self._cache_key, self._fetch_token)

    def stk_push(
        self,
        phone: str,
        amount: int | Decimal,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkPushResult:
        """Ask Daraja to prompt `phone` for `amount`; the outcome comes later to `callback_url`."""
        msisdn = normalize_phone(phone)
        shillings = _whole_shillings(amount)
        if not account_reference or len(account_reference) > MAX_ACCOUNT_REFERENCE:
            raise ValueError(
                f"M-Pesa AccountReference must be 1–{MAX_ACCOUNT_REFERENCE} characters, "
                f"got {len(account_reference)}"
            )
        if not description:
            raise ValueError("M-Pesa TransactionDesc must not be empty")
        if urlsplit(callback_url).scheme not in ("http", "https"):
            raise ValueError("M-Pesa CallBackURL must be an absolute http(s) URL")
        timestamp = daraja_timestamp()
        payload = {
            "BusinessShortCode": self.config.shortcode,
            "Password": stk_password(self.config.shortcode, self.config.passkey, timestamp),
            "Timestamp": timestamp,
            "TransactionType": str(self.config.transaction_type),
            "Amount": shillings,
            "PartyA": msisdn,
            "PartyB": self.config.party_b,
            "PhoneNumber": msisdn,
            "CallBackURL": callback_url,
            "AccountReference": account_reference,
            "TransactionDesc": description,
        }
        response, body = self._post(STK_PUSH_PATH, payload, "STK push")
        if response.status_code != 200 or str(body.get("ResponseCode")) != "0":
            self._raise_for_error(response, body, "STK push")
        result = StkPushResult(
            merchant_request_id=_field(body, "MerchantRequestID", "STK push"),
            checkout_request_id=_field(body, "CheckoutRequestID", "STK push"),
            response_code=str(body["ResponseCode"]),
            response_description=str(body.get("ResponseDescription", "")),
            customer_message=str(body.get("CustomerMessage", "")),
        )
        logger.info(
            "STK push accepted: checkout=%s phone=%s amount=%s",
            result.checkout_request_id,
            mask_phone(msisdn),
            shillings,
        )
        return result

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        """Where a push stands; use it when a callback is late or never comes."""
        timestamp = daraja_timestamp()
        payload = {
            "BusinessShortCode": self.config.shortcode,
            "Password": stk_password(self.config.shortcode, self.config.passkey, timestamp),
            "Timestamp": timestamp,
            "CheckoutRequestID": checkout_request_id,
        }
        response, body = self._post(STK_QUERY_PATH, payload, "STK query")
        if _is_pending(body):
            return StkQueryResult(
                checkout_request_id=checkout_request_id,
                result_code=None,
                result_desc=str(body.get("errorMessage", "The transaction is being processed")),
                pending=True,
            )
        if response.status_code != 200:
            self._raise_for_error(response, body, "STK query")
        try:
            result_code = result_code_from(body.get("ResultCode"))
        except ValueError as exc:
            raise DarajaError(
                f"Daraja at {self._host} answered the STK query without a usable ResultCode "
                f"({exc}); query again later or check the payment on the M-Pesa portal"
            ) from None
        return StkQueryResult(
            checkout_request_id=checkout_request_id,
            result_code=result_code,
            result_desc=str(body.get("ResultDesc", "")),
            pending=False,
        )

    def _post(
        self, path: str, payload: dict[str, Any], operation: str
    ) -> tuple[requests.Response, dict[str, Any]]:
        """POST with a Bearer token; a token Daraja refuses is dropped and the call retried once."""
        token = self.access_token()
        response = self._send("POST", path, operation, json=payload, token=token)
        body = _json_body(response)
        if not _is_invalid_token(response, body):
            return response, body
        logger.warning("Daraja refused a cached token for %s; fetching a new one", self._host)
        shared_token_cache.invalidate(self._cache_key, token)
        response = self._send("POST", path, operation, json=payload, token=self.access_token())
        body = _json_body(response)
        if _is_invalid_token(response, body):
            raise DarajaAuthError(
                f"Daraja at {self._host} refused a freshly issued access token for the "
                f"{operation}. Check that the Daraja app has the M-Pesa Express (Lipa Na M-Pesa "
                "Online) product and that its credentials belong to this environment."
            )
        return response, body

    def _fetch_token(self) -> tuple[str, float]:
        response = self._send(
            "GET",
            OAUTH_PATH,
            "access-token request",
            params={"grant_type": "client_credentials"},
            auth=(self.config.consumer_key, self.config.consumer_secret),
        )
        body = _json_body(response)
        if response.status_code in (400, 401, 403):
            code = body.get("errorCode") or body.get("resultCode")
            raise DarajaAuthError(
                f"Daraja at {self._host} refused the consumer key/secret (HTTP "
                f"{response.status_code}{f', code {code}' if code else ''}). Check the Consumer "
                "Key and Consumer Secret of the app on the Daraja portal and that the app belongs "
                f"to the {self.config.environment} environment."
            )
        if response.status_code != 200:
            self._raise_for_error(response, body, "access-token request")
        try:
            token = str(body["access_token"])
            expires_in = float(body["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise DarajaError(
                f"Daraja at {self._host} answered the access-token request without access_token "
                "and expires_in; check that base_url points at Daraja"
            ) from None
        logger.debug("New Daraja token for %s (expires in %ss)", self._host, expires_in)
        return token, expires_in

    def _send(
        self, method: str, path: str, operation: str, *, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self._session.request(
                method,
                self.config.base_url + path,
                headers=headers,
                timeout=self.config.timeout,
                **kwargs,
            )
        except requests.Timeout as exc:
            advice = (
                "The prompt may still reach the customer: run an STK query before pushing again."
                if operation == "STK push"
                else "Check this server's internet connection or raise the timeout."
            )
            raise DarajaTimeoutError(
                f"Daraja at {self._host} did not answer the {operation} within "
                f"{self.config.timeout:g}s. {advice}"
            ) from exc
        except requests.RequestException as exc:
            raise DarajaTransportError(
                f"Could not reach Daraja at {self._host} for the {operation} "
                f"({type(exc).__name__}). Check DNS, the firewall and this server's internet "
                "connection."
            ) from exc

    def _raise_for_error(
        self, response: requests.Response, body: dict[str, Any], operation: str
    ) -> NoReturn:
        status = response.status_code
        code = body.get("errorCode")
        code = str(code) if code is not None else None
        if code in RATE_LIMITED_CODES or status == 429:
            raise DarajaRateLimitedError(
                f"Daraja is throttling {operation} requests (HTTP {status}"
                f"{f', errorCode {code}' if code else ''}). Wait a few seconds and try again; "
                "this is not a payment failure."
            )
        if code is None and "ResponseCode" in body:
            code = str(body["ResponseCode"])  # a 200 whose ResponseCode is not "0"
            text = str(body.get("ResponseDescription") or body.get("CustomerMessage") or "")
        else:
            text = str(body.get("errorMessage") or "")
        text = text[:_MAX_ECHOED_TEXT]
        if code is None and status >= 500:
            raise DarajaTransportError(
                f"Daraja at {self._host} answered the {operation} with HTTP {status} and no "
                "error body; Safaricom may be having an outage. Try again later."
            )
        request_id = body.get("requestId")
        raise DarajaRejectedError(
            f"Daraja rejected the {operation} (HTTP {status}"
            f"{f', errorCode {code}' if code else ''}: {text or 'no message'}"
            f"{f'; requestId {request_id}' if request_id else ''}). {_hint(code, text)}",
            error_code=code,
            error_message=text,
            request_id=str(request_id) if request_id else None,
            http_status=status,
        )


def _hint(code: str | None, text: str) -> str:
    if code == QUERY_PENDING_CODE:
        # On a push, the same code means either bad credentials or a busy subscriber.
        if "credential" in text.lower():
            return "Check the shortcode and its Lipa Na M-Pesa Online passkey."
        return "The customer has another M-Pesa request in progress; retry in a minute."
    return _HINTS.get(code or "", "The request was not processed; see the errorCode above.")


def _is_invalid_token(response: requests.Response, body: dict[str, Any]) -> bool:
    return response.status_code == 401 or body.get("errorCode") == INVALID_TOKEN_CODE


def _is_pending(body: dict[str, Any]) -> bool:
    # 500.001.1001 also means "Wrong credentials" on a bad password: that is not pending.
    return (
        body.get("errorCode") == QUERY_PENDING_CODE
        and "credential" not in str(body.get("errorMessage", "")).lower()
    )


def _json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _field(body: dict[str, Any], name: str, operation: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise DarajaError(f"Daraja accepted the {operation} but sent no {name}; query it later")
    return value


def _whole_shillings(amount: int | Decimal) -> int:
    """Daraja takes whole shillings; refuse fractions rather than round a customer's charge."""
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal | float):
        raise ValueError(f"M-Pesa amount must be a number, not {type(amount).__name__}")
    if amount != int(amount) or amount < 1:
        raise ValueError(f"M-Pesa amount must be a whole number of shillings ≥ 1, got {amount}")
    return int(amount)
