"""The Daraja client against the simulator over real HTTP; nothing mocked."""

import base64
import logging
import socket
import threading
import time
from datetime import datetime
from decimal import Decimal

import pytest

from billing.mpesa import (
    DarajaAuthError,
    DarajaClient,
    DarajaConfig,
    DarajaError,
    DarajaRateLimitedError,
    DarajaRejectedError,
    DarajaTimeoutError,
    DarajaTransportError,
    TransactionType,
)
from billing.mpesa.wire import NAIROBI, OAUTH_PATH, STK_PUSH_PATH, parse_daraja_timestamp

CALLBACK = "https://radtik.example/mpesa/callback"


def push(client, phone="0712345678", amount=10):
    return client.stk_push(phone, amount, "HS-ALPHA", "WiFi 1 day", CALLBACK)


def test_token_is_fetched_once_and_shared_across_five_pushes(daraja_sim, daraja_config):
    for _ in range(3):
        push(DarajaClient(daraja_config))
    client = DarajaClient(daraja_config)
    push(client)
    push(client)

    assert len(daraja_sim.requests(OAUTH_PATH)) == 1
    assert [r.status for r in daraja_sim.requests(STK_PUSH_PATH)] == [200] * 5


def test_concurrent_first_calls_fetch_one_token(daraja_sim, daraja_config):
    errors = []

    def run():
        try:
            push(DarajaClient(daraja_config))
        except DarajaError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(daraja_sim.requests(OAUTH_PATH)) == 1


def test_expired_token_is_fetched_again(daraja_sim, daraja_config):
    daraja_sim.set_token_ttl(2)  # cached for half its life: 1 s
    client = DarajaClient(daraja_config)
    push(client)
    push(client)
    assert len(daraja_sim.requests(OAUTH_PATH)) == 1

    time.sleep(1.1)
    push(client)

    assert len(daraja_sim.requests(OAUTH_PATH)) == 2
    assert all(r.status == 200 for r in daraja_sim.requests(STK_PUSH_PATH))


def test_rejected_token_is_dropped_and_the_call_retried_once(daraja_sim, daraja_config):
    client = DarajaClient(daraja_config)
    push(client)
    daraja_sim.revoke_tokens()

    result = push(client)

    assert result.response_code == "0"
    assert len(daraja_sim.requests(OAUTH_PATH)) == 2
    pushes = daraja_sim.requests(STK_PUSH_PATH)
    assert [r.status for r in pushes] == [200, 404, 200]
    assert pushes[1].response["errorCode"] == "404.001.03"


def test_token_refused_even_when_fresh_is_an_auth_error(daraja_sim, daraja_config):
    daraja_sim.set_token_ttl(0)  # every token is dead on arrival

    with pytest.raises(DarajaAuthError, match="freshly issued access token"):
        push(DarajaClient(daraja_config))
    assert len(daraja_sim.requests(STK_PUSH_PATH)) == 2  # one retry, no loop


def test_wrong_consumer_secret_is_an_auth_error_naming_what_to_check(daraja_sim):
    config = daraja_sim.client_config(consumer_secret="not-the-secret")

    with pytest.raises(DarajaAuthError) as caught:
        push(DarajaClient(config))

    assert "Consumer Key and Consumer Secret" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)
    assert daraja_sim.requests(STK_PUSH_PATH) == []


def test_push_sends_a_correct_daraja_request_and_returns_its_ids(daraja_sim, daraja_config):
    result = push(DarajaClient(daraja_config), phone="+254 712-345-678", amount=Decimal("50"))

    assert result.checkout_request_id.startswith("ws_CO_")
    assert result.merchant_request_id
    assert result.response_code == "0"
    assert result.customer_message
    sent = daraja_sim.requests(STK_PUSH_PATH)[0].body
    creds = daraja_sim.credentials
    timestamp = sent["Timestamp"]
    assert base64.b64decode(sent["Password"]).decode() == (
        f"{creds.shortcode}{creds.passkey}{timestamp}"
    )
    assert abs((datetime.now(tz=NAIROBI) - parse_daraja_timestamp(timestamp)).total_seconds()) < 5
    assert sent["Amount"] == 50 and isinstance(sent["Amount"], int)
    assert sent["PartyA"] == sent["PhoneNumber"] == "254712345678"
    assert sent["PartyB"] == sent["BusinessShortCode"] == creds.shortcode
    assert sent["TransactionType"] == "CustomerPayBillOnline"
    assert sent["AccountReference"] == "HS-ALPHA"
    assert sent["CallBackURL"] == CALLBACK
    assert daraja_sim.transaction(result.checkout_request_id).amount == 50


def test_buy_goods_push_pays_the_till(daraja_sim):
    config = daraja_sim.client_config(transaction_type=TransactionType.BUY_GOODS, party_b="5432101")
    push(DarajaClient(config))

    sent = daraja_sim.requests(STK_PUSH_PATH)[0].body
    assert sent["TransactionType"] == "CustomerBuyGoodsOnline"
    assert sent["PartyB"] == "5432101"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account_reference": "A" * 13}, "AccountReference"),
        ({"account_reference": ""}, "AccountReference"),
        ({"amount": Decimal("10.5")}, "whole number"),
        ({"amount": 0}, "whole number"),
        ({"amount": "10"}, "must be a number"),
        ({"phone": "0812345678"}, "phone number"),
        ({"description": ""}, "TransactionDesc"),
        ({"callback_url": "/relative"}, "CallBackURL"),
    ],
)
def test_push_refuses_invalid_input_before_calling_daraja(
    daraja_sim, daraja_config, kwargs, message
):
    request = {
        "phone": "0712345678",
        "amount": 10,
        "account_reference": "HS-ALPHA",
        "description": "WiFi",
        "callback_url": CALLBACK,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        DarajaClient(daraja_config).stk_push(**request)
    assert daraja_sim.requests() == []


def test_push_error_body_is_mapped_with_its_code_and_a_hint(daraja_sim, daraja_config):
    daraja_sim.scenario(
        push_status=500,
        push_error_code="500.001.1001",
        push_error_message="Unable to lock subscriber, a transaction is already in process for "
        "the current subscriber",
    )

    with pytest.raises(DarajaRejectedError) as caught:
        push(DarajaClient(daraja_config))

    error = caught.value
    assert error.error_code == "500.001.1001"
    assert error.http_status == 500
    assert error.request_id
    assert "errorCode 500.001.1001" in str(error)
    assert "retry in a minute" in str(error)


def test_wrong_passkey_is_rejected_with_a_credentials_hint(daraja_sim):
    config = daraja_sim.client_config(passkey="some-other-passkey")

    with pytest.raises(DarajaRejectedError, match="Check the shortcode and its"):
        push(DarajaClient(config))


def test_wrong_shortcode_is_rejected_naming_the_field(daraja_sim):
    with pytest.raises(DarajaRejectedError, match="Invalid BusinessShortCode") as caught:
        push(DarajaClient(daraja_sim.client_config(shortcode="600000")))
    assert caught.value.error_code == "400.002.02"


def test_server_error_without_body_is_a_transport_error(daraja_sim, daraja_config):
    daraja_sim.scenario(push_status=503, push_error_message="<html>Service Unavailable</html>")

    with pytest.raises(DarajaTransportError, match="HTTP 503"):
        push(DarajaClient(daraja_config))


def test_rate_limited_push_is_its_own_error(daraja_sim, daraja_config):
    daraja_sim.scenario(
        push_status=500, push_error_code="500.003.02", push_error_message="Spike Arrest Violation"
    )

    with pytest.raises(DarajaRateLimitedError, match="not a payment failure"):
        push(DarajaClient(daraja_config))


def test_push_timeout_is_mapped_and_warns_the_push_may_have_landed(daraja_sim):
    daraja_sim.scenario(latency=1.0)
    client = DarajaClient(daraja_sim.client_config(timeout=0.3))
    client.access_token()  # the OAuth call itself is not slow

    started = time.monotonic()
    with pytest.raises(DarajaTimeoutError, match="STK query before pushing again"):
        push(client)

    assert time.monotonic() - started < 0.9
    assert len(daraja_sim.transactions()) == 1  # Daraja did get it


def test_unreachable_daraja_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    config = DarajaConfig("174379", "pk", "ck", "cs", base_url=f"http://127.0.0.1:{port}")

    with pytest.raises(DarajaTransportError, match="Could not reach Daraja"):
        DarajaClient(config).access_token()


def test_query_is_pending_until_the_outcome_then_reports_it(daraja_sim, daraja_config):
    daraja_sim.scenario(delay=0.4, deliver=False)
    client = DarajaClient(daraja_config)
    checkout = push(client).checkout_request_id

    first = client.stk_query(checkout)
    assert first.pending and first.result_code is None

    time.sleep(0.5)
    done = client.stk_query(checkout)
    assert not done.pending
    assert done.result_code == 0 and done.succeeded
    assert done.checkout_request_id == checkout


def test_query_reports_a_cancelled_push_as_an_int_code(daraja_sim, daraja_config):
    daraja_sim.scenario(result_code=1032)
    client = DarajaClient(daraja_config)
    result = client.stk_query(push(client).checkout_request_id)

    assert result.result_code == 1032
    assert not result.succeeded
    assert "cancelled" in result.meaning.operator_text


def test_query_reports_a_string_code_from_safaricoms_table(daraja_sim, daraja_config):
    daraja_sim.scenario(result_code="SFC_IC0003", result_desc="Operator does not exist")
    client = DarajaClient(daraja_config)
    result = client.stk_query(push(client).checkout_request_id)

    assert result.result_code == "SFC_IC0003" and not result.succeeded
    assert "Operator does not exist" in result.meaning.operator_text


def test_rate_limited_query_raises_then_answers(daraja_sim, daraja_config):
    daraja_sim.scenario(query_rate_limited=1)
    client = DarajaClient(daraja_config)
    checkout = push(client).checkout_request_id

    with pytest.raises(DarajaRateLimitedError, match="500.003.02"):
        client.stk_query(checkout)
    assert client.stk_query(checkout).result_code == 0


def test_query_for_an_unknown_checkout_id_is_rejected(daraja_config):
    with pytest.raises(DarajaRejectedError, match="Invalid CheckoutRequestID"):
        DarajaClient(daraja_config).stk_query("ws_CO_000000000000000000")


def test_no_secret_in_any_message_repr_or_log(daraja_sim, caplog):
    caplog.set_level(logging.DEBUG, logger="billing.mpesa")
    config = daraja_sim.client_config(timeout=0.3)
    client = DarajaClient(config)
    push(client)
    token = daraja_sim.requests(OAUTH_PATH)[0].response["access_token"]
    password = daraja_sim.requests(STK_PUSH_PATH)[0].body["Password"]
    creds = daraja_sim.credentials
    secrets = [creds.passkey, creds.consumer_key, creds.consumer_secret, token, password]

    texts = [repr(config), str(config), repr(client)]
    failing = [
        (
            daraja_sim.client_config(consumer_key="s3cret-key", consumer_secret="s3cret-consumer"),
            {},
        ),
        (daraja_sim.client_config(passkey="s3cret-passkey"), {}),
        (
            config,
            {
                "push_status": 500,
                "push_error_code": "500.003.01",
                "push_error_message": "Internal Server Error",
            },
        ),
        (config, {"latency": 1.0}),
    ]
    secrets += ["s3cret-key", "s3cret-consumer", "s3cret-passkey"]
    for failing_config, scenario in failing:
        daraja_sim.scenario(**scenario)
        with pytest.raises(DarajaError) as caught:
            push(DarajaClient(failing_config))
        texts += [str(caught.value), repr(caught.value)]
    texts += [record.getMessage() for record in caplog.records]

    leaks = [(secret, text) for secret in secrets for text in texts if secret in text]
    assert leaks == []
