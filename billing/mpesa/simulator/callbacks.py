"""Delivering STK callbacks to the CallBackURL: late, repeated, concurrent or never."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from billing.mpesa.result_codes import SUCCESS
from billing.mpesa.simulator.records import CallbackDelivery, SimTransaction
from billing.mpesa.wire import daraja_timestamp

CALLBACK_TIMEOUT = 10.0


def callback_body(txn: SimTransaction, transaction_date: str) -> dict[str, Any]:
    """The body Daraja POSTs; failures carry no CallbackMetadata."""
    stk: dict[str, Any] = {
        "MerchantRequestID": txn.merchant_request_id,
        "CheckoutRequestID": txn.checkout_request_id,
        "ResultCode": txn.result_code,
        "ResultDesc": txn.result_desc,
    }
    if txn.result_code == SUCCESS:
        stk["CallbackMetadata"] = {
            "Item": [
                # Daraja sends the amount as a float (1.0) and the phone/date as numbers.
                {"Name": "Amount", "Value": float(txn.callback_amount)},
                {"Name": "MpesaReceiptNumber", "Value": txn.receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(transaction_date)},
                {"Name": "PhoneNumber", "Value": int(txn.phone)},
            ]
        }
    return {"Body": {"stkCallback": stk}}


class CallbackSender:
    """One thread per accepted push: wait for the outcome, then deliver as the scenario says."""

    def __init__(self, stopping: threading.Event) -> None:
        self._stopping = stopping
        self._lock = threading.Condition()
        self._deliveries: list[CallbackDelivery] = []
        self._threads: list[threading.Thread] = []

    def schedule(self, txn: SimTransaction) -> None:
        if not txn.scenario.deliver or txn.scenario.duplicates == 0:
            return
        thread = threading.Thread(
            target=self._run,
            args=(txn,),
            name=f"daraja-sim-callback-{txn.checkout_request_id}",
            daemon=True,
        )
        with self._lock:
            # Forget finished senders so a long demo run does not pile up Thread objects.
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def deliveries(self) -> list[CallbackDelivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_for(self, count: int, timeout: float, checkout_request_id: str | None) -> bool:
        with self._lock:
            return self._lock.wait_for(
                lambda: len(self._matching(checkout_request_id)) >= count, timeout
            )

    def join(self, timeout: float) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _matching(self, checkout_request_id: str | None) -> list[CallbackDelivery]:
        return [
            d
            for d in self._deliveries
            if checkout_request_id is None or d.checkout_request_id == checkout_request_id
        ]

    def _run(self, txn: SimTransaction) -> None:
        if self._stopping.wait(txn.scenario.delay):
            return
        body = callback_body(txn, daraja_timestamp())
        copies = txn.scenario.duplicates
        if not txn.scenario.concurrent:
            for _ in range(copies):
                if self._stopping.is_set():
                    return
                self._post(txn, body)
            return
        start_together = threading.Barrier(copies)
        senders = [
            threading.Thread(target=self._post, args=(txn, body, start_together), daemon=True)
            for _ in range(copies)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()

    def _post(
        self, txn: SimTransaction, body: dict[str, Any], barrier: threading.Barrier | None = None
    ) -> None:
        if barrier is not None:
            barrier.wait()
        status: int | None = None
        error: str | None = None
        text = ""
        try:
            # A connection per delivery, as Daraja does, so concurrent copies really race.
            url, headers = loopback_for_localhost(txn.callback_url)
            response = requests.post(url, json=body, headers=headers, timeout=CALLBACK_TIMEOUT)
            status, text = response.status_code, response.text[:500]
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery = CallbackDelivery(
            txn.checkout_request_id, txn.callback_url, body, status, error, text
        )
        with self._lock:
            self._deliveries.append(delivery)
            self._lock.notify_all()


def loopback_for_localhost(url: str) -> tuple[str, dict[str, str]]:
    """`*.localhost` is loopback (RFC 6761), as browsers and systemd-resolved treat it; plain
    glibc does not resolve it, so the demo's callbacks to acme.localhost would go nowhere. The
    tenant is still named by the Host header."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(".localhost"):
        return url, {}
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": parts.netloc}
