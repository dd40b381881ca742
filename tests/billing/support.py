"""Callbacks as Daraja posts them, through the real view (tenant host, raw body)."""

from __future__ import annotations

import json

from billing.tasks import callbacks_drain

# A fault only the database can cause: the update of payment ws_CO_poison's row is refused, so
# matching its callback fails in the drain (the real code path, no mock).
FAIL_PAYMENT_UPDATE = """
CREATE FUNCTION alpha.test_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'payment row refused by a test trigger'; END $$;
CREATE TRIGGER test_refuse_update BEFORE UPDATE ON alpha.billing_payment FOR EACH ROW
WHEN (OLD.checkout_request_id = 'ws_CO_poison') EXECUTE FUNCTION alpha.test_refuse_update();
"""


def callback(checkout: str, code: int = 0, amount: float = 50.0, receipt: str = "QAB1C2D3E4"):
    stk: dict = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout,
        "ResultCode": code,
        "ResultDesc": "done",
    }
    if code == 0:
        stk["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20240511201419},
                {"Name": "PhoneNumber", "Value": 254712345678},
            ]
        }
    return json.dumps({"Body": {"stkCallback": stk}})


def post_callback(tenant_client, schema: str, secret: str, body: str, *, drain: bool = True):
    """POST as Daraja does; then, with `drain`, what the payments cluster does once the stored
    callback commits (a test transaction never commits)."""
    response = tenant_client(schema).post(
        f"/api/payments/mpesa/callback/{secret}/", body, content_type="application/json"
    )
    if drain:
        callbacks_drain(schema)
    return response
