"""Brute force gets nowhere: lockout on every login path, throttles on what anyone can call, and
API tokens that a database dump does not give away."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def wrong_then_right(client: Client, path: str, username: str, times: int = 5):
    wrong = [
        client.post(path, {"username": username, "password": f"wrong-{n}"}).status_code
        for n in range(times)
    ]
    return wrong, client.post(path, {"username": username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("schema", "host", "path", "wrong_status"),
    [
        ("alpha", "alpha.localhost", "/login/", 200),
        ("public", "localhost", "/admin/login/", 200),
        ("alpha", "alpha.localhost", "/api/auth/token/", 400),
    ],
)
def test_wrong_passwords_lock_the_user_at_that_address(
    make_user, tenants, schema, host, path, wrong_status
):
    make_user(schema, "target", role="admin", is_staff=True, is_superuser=True)
    attacker = Client(HTTP_HOST=host, REMOTE_ADDR="203.0.113.5")
    wrong, right = wrong_then_right(attacker, path, "target")
    assert wrong == [wrong_status] * 4 + [429]  # the fifth wrong password locks
    # Even the right password is refused now, with a message that says why and for how long.
    assert right.status_code == 429
    body = right.json()["detail"] if path.startswith("/api/") else right.content.decode()
    assert "Too many failed logins" in body and "15 minutes" in body
    # The same user from another address is not locked out by the attacker.
    elsewhere = Client(HTTP_HOST=host, REMOTE_ADDR="198.51.100.9")
    ok = elsewhere.post(path, {"username": "target", "password": PASSWORD})
    assert ok.status_code == (200 if path.startswith("/api/") else 302)


def test_token_endpoint_is_throttled_per_address(make_user, tenants, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth-token": "3/min"}
    make_user("alpha", "scripted")
    client = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.20")
    answers = [
        client.post("/api/auth/token/", {"username": "scripted", "password": PASSWORD})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "throttled" in answers[-1].json()["detail"].lower()
    other = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.21")
    assert other.post("/api/auth/token/", {"username": "x", "password": "y"}).status_code == 400


def test_portal_payment_endpoints_are_throttled_per_address(tenants, settings):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "portal-initiate": "2/min",
        "portal-status": "2/min",
    }
    client = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.30")
    bad = {"package_id": "999", "phone_number": "0700000000"}
    initiate = [client.post("/api/payments/initiate/", bad).status_code for _ in range(3)]
    assert initiate == [400, 400, 429]
    # The portal page shares the initiate budget of that address.
    page = client.post("/portal/", bad)
    assert page.status_code == 429 and b"Too many attempts" in page.content
    status_url = "/api/payments/status/" + "x" * 32 + "/"
    assert [client.get(status_url).status_code for _ in range(3)] == [404, 404, 429]
    # Another address (another hotspot) is not affected.
    other = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.31")
    assert other.post("/api/payments/initiate/", bad).status_code == 400


def test_api_tokens_are_stored_as_digests_only(make_user, tenants):
    from knox.models import AuthToken

    make_user("alpha", "client-app", role="operator")
    client = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.40")
    token = client.post("/api/auth/token/", {"username": "client-app", "password": PASSWORD})
    assert token.status_code == 200 and set(token.json()) == {"token"}
    token = token.json()["token"]
    with schema_context("alpha"):
        stored = AuthToken.objects.get(user__username="client-app")
        assert stored.digest != token and token not in stored.digest
        with connection.cursor() as cursor:  # no column of the schema holds the token
            cursor.execute("SELECT count(*) FROM knox_authtoken WHERE digest LIKE %s", [token])
            assert cursor.fetchone()[0] == 0
    api = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/jobs/").status_code == 200
    # One character changed (never to itself: a token ending in "0" once made the forgery genuine).
    forged_token = token[:-1] + ("1" if token.endswith("0") else "0")
    forged = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {forged_token}")
    assert forged.get("/api/jobs/").status_code == 401


def test_tokens_issued_before_hashing_keep_working_after_the_migration(make_user, tenants):
    """The migration turns DRF's clear tokens into digests and drops the clear copies."""
    from importlib import import_module

    migration = import_module("tenants.accounts.migrations.0002_api_tokens_hashed")
    user = make_user("alpha", "legacy-client", role="viewer")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE alpha.authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamptz NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO alpha.authtoken_token VALUES (%s, now(), %s)", [old_key, user.pk]
        )
        connection.set_schema("alpha", include_public=False)
        migration.tokens_to_digests(None, SimpleNamespace(connection=connection))
        cursor.execute("SELECT to_regclass('alpha.authtoken_token')")
        assert cursor.fetchone()[0] is None
    api = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api.get("/api/jobs/").status_code == 200
