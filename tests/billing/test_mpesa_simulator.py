"""The simulator's callbacks and its Daraja-like validation, over real HTTP."""

import base64
import json
import re
import subprocess
import sys
import time

import pytest
import requests

from billing.mpesa import DarajaClient, parse_callback
from billing.mpesa.simulator import DarajaSimulator
from billing.mpesa.simulator.ids import IdGenerator
from billing.mpesa.wire import (
    OAUTH_PATH,
    STK_PUSH_PATH,
    STK_QUERY_PATH,
    daraja_timestamp,
    stk_password,
)


def push(config, callback_url, phone="0712345678", amount=10):
    return DarajaClient(config).stk_push(phone, amount, "HS-ALPHA", "WiFi", callback_url)


def test_successful_push_calls_back_with_the_real_body(
    daraja_sim, daraja_config, callback_receiver
):
    result = push(daraja_config, callback_receiver.url, amount=30)

    [raw] = callback_receiver.wait_for(1)
    callback = parse_callback(raw)
    txn = daraja_sim.transaction(result.checkout_request_id)
    assert callback.succeeded
    assert callback.checkout_request_id == result.checkout_request_id
    assert callback.merchant_request_id == result.merchant_request_id
    assert callback.amount == 30
    assert callback.receipt == txn.receipt
    assert re.fullmatch(r"[A-Z][A-Z0-9]{9}", callback.receipt)
    assert callback.phone == "254712345678"
    items = json.loads(raw)["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    assert {"Name": "Balance"} in items
    [delivery] = daraja_sim.wait_for_callbacks(1)
    assert delivery.status_code == 200 and delivery.url == callback_receiver.url


def test_cancelled_push_calls_back_without_metadata(daraja_sim, daraja_config, callback_receiver):
    daraja_sim.scenario(result_code=1032)
    push(daraja_config, callback_receiver.url)

    [raw] = callback_receiver.wait_for(1)
    assert "CallbackMetadata" not in json.loads(raw)["Body"]["stkCallback"]
    callback = parse_callback(raw)
    assert callback.result_code == 1032
    assert callback.result_desc == "Request cancelled by user"


@pytest.mark.parametrize("concurrent", [False, True])
def test_duplicate_deliveries_carry_the_same_body(
    daraja_sim, daraja_config, callback_receiver, concurrent
):
    daraja_sim.scenario(duplicates=3, concurrent=concurrent)
    result = push(daraja_config, callback_receiver.url)

    bodies = callback_receiver.wait_for(3)
    deliveries = daraja_sim.wait_for_callbacks(3, checkout_request_id=result.checkout_request_id)
    assert len({json.dumps(json.loads(body), sort_keys=True) for body in bodies}) == 1
    assert [d.status_code for d in deliveries] == [200, 200, 200]


def test_lost_callback_is_never_sent_but_the_query_answers(
    daraja_sim, daraja_config, callback_receiver
):
    daraja_sim.scenario(deliver=False, result_code=2001, delay=0.1)
    result = push(daraja_config, callback_receiver.url)

    time.sleep(0.4)
    assert callback_receiver.bodies == []
    assert daraja_sim.callbacks() == []
    assert DarajaClient(daraja_config).stk_query(result.checkout_request_id).result_code == 2001


def test_delayed_callback_arrives_after_the_delay(daraja_sim, daraja_config, callback_receiver):
    daraja_sim.scenario(delay=0.3)
    started = time.monotonic()
    push(daraja_config, callback_receiver.url)

    callback_receiver.wait_for(1)
    assert time.monotonic() - started >= 0.3


def test_amount_override_reports_a_different_amount(daraja_sim, daraja_config, callback_receiver):
    daraja_sim.scenario(amount=5)
    push(daraja_config, callback_receiver.url, amount=50)

    assert parse_callback(callback_receiver.wait_for(1)[0]).amount == 5


def test_per_phone_scenario_overrides_the_global_one(daraja_sim, daraja_config, callback_receiver):
    daraja_sim.scenario(result_code=1)
    daraja_sim.scenario(phone="+254 722 000 111", result_code=1037)
    special = push(daraja_config, callback_receiver.url, phone="0722000111")
    other = push(daraja_config, callback_receiver.url, phone="0733000222")

    callbacks = [parse_callback(body) for body in callback_receiver.wait_for(2)]
    codes = {callback.checkout_request_id: callback.result_code for callback in callbacks}
    assert codes == {special.checkout_request_id: 1037, other.checkout_request_id: 1}


def test_receiver_failures_are_recorded(daraja_sim, daraja_config, callback_receiver):
    callback_receiver.status = 500
    push(daraja_config, callback_receiver.url)

    [delivery] = daraja_sim.wait_for_callbacks(1)
    assert delivery.status_code == 500


def test_unreachable_callback_url_is_recorded_as_an_error(daraja_sim, daraja_config):
    push(daraja_config, "http://127.0.0.1:9/nowhere")

    [delivery] = daraja_sim.wait_for_callbacks(1)
    assert delivery.status_code is None and "ConnectionError" in delivery.error


def test_receipts_are_deterministic_per_seed_and_unique():
    first, second, other = IdGenerator(7), IdGenerator(7), IdGenerator(8)
    receipts = [first.receipt() for _ in range(5000)]

    assert receipts[:50] == [second.receipt() for _ in range(50)]
    assert receipts[:50] != [other.receipt() for _ in range(50)]
    assert len(set(receipts)) == len(receipts)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]{9}", receipt) for receipt in receipts)


def test_checkout_ids_have_darajas_shape(daraja_sim, daraja_config, callback_receiver):
    ids = {push(daraja_config, callback_receiver.url).checkout_request_id for _ in range(3)}

    assert len(ids) == 3
    assert all(re.fullmatch(r"ws_CO_\d{14}\d{4,}", checkout) for checkout in ids)


# -- Daraja-like validation, driven with raw HTTP ------------------------------------------------


def token(sim):
    creds = sim.credentials
    basic = base64.b64encode(f"{creds.consumer_key}:{creds.consumer_secret}".encode()).decode()
    response = requests.get(
        sim.base_url + OAUTH_PATH,
        params={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == "3599"
    return response.json()["access_token"]


def signed_push(sim, **changes):
    creds = sim.credentials
    timestamp = daraja_timestamp()
    body = {
        "BusinessShortCode": creds.shortcode,
        "Password": stk_password(creds.shortcode, creds.passkey, timestamp),
        "Timestamp": timestamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1,
        "PartyA": "254712345678",
        "PartyB": creds.shortcode,
        "PhoneNumber": "254712345678",
        "CallBackURL": "https://radtik.example/cb",
        "AccountReference": "ACC",
        "TransactionDesc": "WiFi",
    } | changes
    return requests.post(
        sim.base_url + STK_PUSH_PATH,
        json=body,
        headers={"Authorization": f"Bearer {token(sim)}"},
        timeout=5,
    )


def test_oauth_refuses_wrong_credentials_and_grant_type(daraja_sim):
    url = daraja_sim.base_url + OAUTH_PATH
    wrong = requests.get(
        url,
        params={"grant_type": "client_credentials"},
        auth=("sim-consumer-key", "nope"),
        timeout=5,
    )
    grant = requests.get(
        url,
        params={"grant_type": "password"},
        auth=("sim-consumer-key", "sim-consumer-secret"),
        timeout=5,
    )

    assert wrong.status_code == 400 and wrong.json()["errorCode"] == "400.008.01"
    assert grant.status_code == 400 and grant.json()["errorCode"] == "400.008.02"


def test_api_calls_without_a_valid_token_are_refused(daraja_sim):
    response = requests.post(
        daraja_sim.base_url + STK_QUERY_PATH,
        json={},
        headers={"Authorization": "Bearer made-up"},
        timeout=5,
    )

    assert response.status_code == 404
    assert response.json()["errorCode"] == "404.001.03"
    assert set(response.json()) == {"requestId", "errorCode", "errorMessage"}


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"Password": "d3Jvbmc="}, 500, "Wrong credentials"),
        ({"Timestamp": "2020-05-11 20:14"}, 400, "Invalid Timestamp"),
        ({"Timestamp": "20200511201419"}, 400, "Invalid Timestamp"),  # stale
        ({"BusinessShortCode": "600000"}, 400, "Invalid BusinessShortCode"),
        ({"Amount": 1.5}, 400, "Invalid Amount"),
        ({"Amount": 0}, 400, "Invalid Amount"),
        ({"Amount": "10"}, 400, "Invalid Amount"),
        ({"PartyA": "0712345678"}, 400, "Invalid PartyA"),
        ({"PhoneNumber": "25571234567"}, 400, "Invalid PhoneNumber"),
        ({"CallBackURL": "ftp://radtik.example/cb"}, 400, "Invalid CallBackURL"),
        ({"AccountReference": "A" * 13}, 400, "Invalid AccountReference"),
        ({"TransactionType": "Donation"}, 400, "Invalid TransactionType"),
    ],
)
def test_push_validation_matches_daraja(daraja_sim, changes, status, message):
    response = signed_push(daraja_sim, **changes)

    assert response.status_code == status
    assert response.json()["errorMessage"].endswith(message)
    assert daraja_sim.transactions() == []


def test_every_request_is_recorded_with_its_answer(daraja_sim):
    signed_push(daraja_sim)

    recorded = daraja_sim.requests()
    assert [(r.method, r.path, r.status) for r in recorded] == [
        ("GET", OAUTH_PATH, 200),
        ("POST", STK_PUSH_PATH, 200),
    ]
    assert recorded[0].query == {"grant_type": "client_credentials"}
    assert recorded[1].body["Amount"] == 1
    assert recorded[1].response["ResponseCode"] == "0"


def test_cli_serves_daraja_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "billing.mpesa.simulator", "--port", "0", "--delay", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        base_url = re.search(r"http://\S+", line).group(0)
        response = requests.get(
            base_url + OAUTH_PATH,
            params={"grant_type": "client_credentials"},
            auth=("sim-consumer-key", "sim-consumer-secret"),
            timeout=5,
        )
        assert response.status_code == 200
    finally:
        process.terminate()
    assert process.wait(5) == 0


def test_stop_is_prompt_with_callbacks_still_waiting(daraja_config, daraja_sim, callback_receiver):
    daraja_sim.scenario(delay=30)
    push(daraja_config, callback_receiver.url)

    started = time.monotonic()
    daraja_sim.stop()
    assert time.monotonic() - started < 1
    assert daraja_sim.callbacks() == []


def test_simulator_is_a_context_manager():
    with DarajaSimulator() as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(OSError):
        requests.get(sim.base_url + OAUTH_PATH, timeout=1)


def test_callbacks_to_localhost_names_go_to_loopback_with_the_host_kept():
    from billing.mpesa.simulator.callbacks import loopback_for_localhost

    assert loopback_for_localhost("http://acme.localhost:8000/api/x/") == (
        "http://127.0.0.1:8000/api/x/",
        {"Host": "acme.localhost:8000"},
    )
    assert loopback_for_localhost("https://pay.example.com/cb/") == (
        "https://pay.example.com/cb/",
        {},
    )
