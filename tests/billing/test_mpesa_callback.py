import json
from datetime import datetime
from decimal import Decimal

import pytest

from billing.mpesa import CallbackParseError, parse_callback
from billing.mpesa.wire import NAIROBI

# The example in /work/shared/PROTOCOLS.md, verbatim.
SUCCESS_BODY = b"""{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1",
 "CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":0,
 "ResultDesc":"The service request is processed successfully.",
 "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.0},
 {"Name":"MpesaReceiptNumber","Value":"OEB44R5U3U"},{"Name":"Balance"},
 {"Name":"TransactionDate","Value":20200511201419},{"Name":"PhoneNumber","Value":254794721438}]}}}}"""


def failure(code, desc="Request cancelled by user"):
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": "ws_CO_191220191020363925",
                "ResultCode": code,
                "ResultDesc": desc,
            }
        }
    }


def test_parse_callback_reads_the_documented_success_example():
    callback = parse_callback(SUCCESS_BODY)

    assert callback.succeeded
    assert callback.merchant_request_id == "29115-34620561-1"
    assert callback.checkout_request_id == "ws_CO_191220191020363925"
    assert callback.result_code == 0
    assert callback.amount == Decimal(1)
    assert callback.receipt == "OEB44R5U3U"
    assert callback.transaction_date == datetime(2020, 5, 11, 20, 14, 19, tzinfo=NAIROBI)
    assert callback.transaction_date.utcoffset().total_seconds() == 3 * 3600
    assert callback.phone == "254794721438"


def test_parse_callback_accepts_decoded_json_and_text():
    decoded = json.loads(SUCCESS_BODY)
    assert parse_callback(decoded) == parse_callback(SUCCESS_BODY.decode())


@pytest.mark.parametrize("code", [1032, 1, 1037, 2001, 1019])
def test_failed_callback_has_no_metadata_and_a_meaning(code):
    callback = parse_callback(json.dumps(failure(code)).encode())

    assert not callback.succeeded
    assert callback.result_code == code
    assert callback.amount is None and callback.receipt is None and callback.phone is None
    assert callback.meaning.operator_text
    assert callback.meaning.customer_text


def test_cancelled_callback_is_explained_for_operator_and_customer():
    meaning = parse_callback(failure(1032)).meaning
    assert "cancelled" in meaning.operator_text
    assert "cancelled" in meaning.customer_text


def test_unknown_result_code_keeps_darajas_text():
    assert "Strange thing" in parse_callback(failure(4242, "Strange thing")).meaning.operator_text


def test_result_code_sent_as_text_is_read_as_int():
    assert parse_callback(failure("1032")).result_code == 1032


def test_string_result_code_from_safaricoms_table_is_a_failure_with_its_text():
    callback = parse_callback(failure("SFC_IC0003", "Operator does not exist"))
    assert callback.result_code == "SFC_IC0003" and not callback.succeeded
    assert callback.meaning.operator_text == (
        "M-Pesa result code SFC_IC0003: Operator does not exist"
    )


def test_nul_in_result_desc_is_dropped():
    assert parse_callback(failure(1, "bad\u0000desc")).result_desc == "baddesc"


def test_masked_phone_in_callback_is_kept_as_sent():
    body = json.loads(SUCCESS_BODY)
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"][4]["Value"] = "0722****111"
    assert parse_callback(body).phone == "0722****111"


def _success_with(**changes):
    body = json.loads(SUCCESS_BODY)
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    for name, value in changes.items():
        for item in items:
            if item["Name"] == name:
                item["Value"] = value
    return body


def _success_without(name):
    body = json.loads(SUCCESS_BODY)
    meta = body["Body"]["stkCallback"]["CallbackMetadata"]
    meta["Item"] = [item for item in meta["Item"] if item["Name"] != name]
    return body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b"{}", "no Body"),
        ({"Body": None}, "no Body"),
        ({"Body": "x"}, "Body must be an object"),
        ({"Body": {}}, "no stkCallback"),
        ({"Body": {"stkCallback": []}}, "stkCallback must be an object"),
        (failure(None), "ResultCode must be an integer or a code"),
        (failure(True), "ResultCode must be an integer or a code"),
        (failure("zero"), "ResultCode must be an integer or a code"),
        (failure(1.5), "ResultCode must be an integer or a code"),
        # Out of range for the payment row: stored there, each would fail every try.
        (failure(10**30), "ResultCode 1000000000000000000000000000000 is out of range"),
        (failure("99999999999"), "ResultCode 99999999999 is out of range"),
        (_success_with(MpesaReceiptNumber="Q" * 40), "MpesaReceiptNumber must be 1-30"),
        (_success_with(MpesaReceiptNumber="QAB 1C2D3E4"), "MpesaReceiptNumber must be 1-30"),
        (_success_with(Amount=1e20), "Amount is out of range"),
        (_success_with(Amount="Infinity"), "Amount must be positive"),
        (
            {
                "Body": {
                    "stkCallback": {
                        **failure(1)["Body"]["stkCallback"],
                        "CheckoutRequestID": "w" * 101,
                    }
                }
            },
            "CheckoutRequestID must be 1-100",
        ),
        (
            {
                "Body": {
                    "stkCallback": {
                        **failure(1)["Body"]["stkCallback"],
                        "CheckoutRequestID": "ws_CO_\u0000",
                    }
                }
            },
            "CheckoutRequestID must be 1-100",
        ),
        (
            {
                "Body": {
                    "stkCallback": {
                        **failure(1)["Body"]["stkCallback"],
                        "Extra": [[[[[[[[[[1]]]]]]]]]],
                    }
                }
            },
            "nested deeper than 10",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 10"),
        (b'{"Body":' * 100_000 + b"1" + b"}" * 100_000, "nested deeper than 10"),
        ({"Body": {"stkCallback": {"ResultCode": 1032}}}, "MerchantRequestID"),
        (failure(0), "CallbackMetadata"),
        (_success_without("MpesaReceiptNumber"), "MpesaReceiptNumber"),
        (_success_with(Amount="lots"), "Amount is not a number"),
        (_success_with(Amount=None), "no numeric Amount"),
        (_success_with(Amount=-5), "Amount must be positive"),
        (_success_with(TransactionDate=2020), "TransactionDate"),
        (_success_with(TransactionDate=20201399999999), "TransactionDate"),
        (
            {
                "Body": {
                    "stkCallback": {
                        **failure(0)["Body"]["stkCallback"],
                        "CallbackMetadata": {"Item": "x"},
                    }
                }
            },
            "must be a list",
        ),
        (
            {
                "Body": {
                    "stkCallback": {
                        **failure(0)["Body"]["stkCallback"],
                        "CallbackMetadata": {"Item": [{"Value": 1}]},
                    }
                }
            },
            "Name",
        ),
        (42, "must be bytes or JSON"),
    ],
)
def test_malformed_callbacks_raise_a_readable_parse_error(body, reason):
    with pytest.raises(CallbackParseError, match=reason):
        parse_callback(body)
