"""Profiles and batches through the API: collision-free generation, 202 + job, clear errors."""

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from vouchers.choices import CODE_ALPHABET, MAX_BATCH
from vouchers.models import Voucher, VoucherBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_admin(make_user):
    return make_user("alpha", "boss", role="admin")


@pytest.fixture
def server(tenants):
    with schema_context("alpha"):
        return radius_server_create(
            name="radius-1", host="10.0.0.5", api_base_url="http://127.0.0.1:9"
        ).server


@pytest.fixture
def profile_id(alpha_admin, tenant_client):
    response = tenant_client("alpha", alpha_admin).post(
        "/api/voucher-profiles/",
        {
            "name": "1 hour",
            "time_limit": 3600,
            "data_limit": 5 * 2**30,
            "rate_limit": "2M/5M",
            "simultaneous_use": 1,
            "price": "20.00",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_batch_create_answers_202_and_generates_unique_codes(
    alpha_admin, tenant_client, server, profile_id, django_capture_on_commit_callbacks
):
    client = tenant_client("alpha", alpha_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/api/voucher-batches/",
            {"profile": profile_id, "radius_server": server.pk, "count": 1000, "prefix": "HS"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"]["kind"] == "vouchers.sync" and body["job"]["status"] == "queued"
    assert body["batch"]["counts"] == {"pending": 1000, "synced": 0, "failed": 0, "total": 1000}
    assert callbacks, "the sync job is handed to the cluster on commit"
    with schema_context("alpha"):
        names = list(Voucher.objects.values_list("username", flat=True))
    assert len(names) == len(set(names)) == 1000
    assert all(n.startswith("HS") and len(n) == 10 for n in names)
    assert set("".join(n[2:] for n in names)) <= set(CODE_ALPHABET)
    assert not set("".join(names)) & set("0O1IL")


def test_generation_skips_codes_already_taken(alpha_admin, server, profile_id, monkeypatch):
    from vouchers import services
    from vouchers.models import VoucherProfile

    with schema_context("alpha"):
        profile = VoucherProfile.objects.get(pk=profile_id)
        first = services.batch_create(profile=profile, radius_server=server, count=5)
        taken = list(first.batch.vouchers.values_list("username", flat=True))
        # Force the generator to propose the taken codes first, then fresh ones.
        real = services.random_codes
        proposals = iter([[t for t in taken], None])

        def rigged(count, length):
            batch = next(proposals, None)
            return batch[:count] if batch else real(count, length)

        monkeypatch.setattr(services, "random_codes", rigged)
        second = services.batch_create(profile=profile, radius_server=server, count=5)
        names = set(second.batch.vouchers.values_list("username", flat=True))
    assert len(names) == 5 and not names & set(taken)


def test_a_batch_made_in_parts_skips_codes_an_earlier_part_took(server, profile_id, monkeypatch):
    """Big batches are generated a part at a time: each part is checked against the parts
    already copied in the same transaction."""
    from vouchers import services
    from vouchers.models import VoucherProfile

    monkeypatch.setattr(services, "GENERATE_PART", 4)
    real = services.random_codes
    proposals: list[list[str]] = []

    def repeating(count, length):
        # Every other proposal repeats the first part's codes, which are in the table by then.
        repeat = len(proposals) % 2 == 1
        codes = (proposals[0] * count)[:count] if repeat else real(count, length)
        proposals.append(codes)
        return codes

    monkeypatch.setattr(services, "random_codes", repeating)
    with schema_context("alpha"):
        profile = VoucherProfile.objects.get(pk=profile_id)
        made = services.batch_create(profile=profile, radius_server=server, count=10)
        names = list(made.batch.vouchers.values_list("username", flat=True))
    assert len(names) == len(set(names)) == 10
    assert set(proposals[0]) <= set(names)
    assert len(proposals) == 5  # parts of 4, 4 and 2: each after the first refused a repeat


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": MAX_BATCH + 1}, "count"),
        ({"count": 10, "prefix": "bad prefix!"}, "prefix"),
        ({"count": 10, "code_length": 3}, "code_length"),
        ({"count": 10, "profile": 999999}, "profile"),
    ],
)
def test_bad_batch_input_is_a_field_error(
    alpha_admin, tenant_client, server, profile_id, payload, field
):
    body = {"profile": profile_id, "radius_server": server.pk, **payload}
    response = tenant_client("alpha", alpha_admin).post(
        "/api/voucher-batches/", body, content_type="application/json"
    )
    assert response.status_code == 400 and field in response.json()
    with schema_context("alpha"):
        assert not VoucherBatch.objects.exists()


@pytest.mark.parametrize("rate", ["fast", "2M", "2M/5M/1M", "-1/2"])
def test_bad_rate_limit_is_refused(alpha_admin, tenant_client, rate):
    response = tenant_client("alpha", alpha_admin).post(
        "/api/voucher-profiles/", {"name": "x", "rate_limit": rate}, content_type="application/json"
    )
    assert response.status_code == 400 and "rate_limit" in response.json()


def test_viewer_cannot_create_batches(make_user, tenant_client, server, profile_id):
    viewer = tenant_client("alpha", make_user("alpha", "peek", role="viewer"))
    response = viewer.post(
        "/api/voucher-batches/",
        {"profile": profile_id, "radius_server": server.pk, "count": 5},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_beta_cannot_see_alpha_vouchers(alpha_admin, tenant_client, server, profile_id, make_user):
    tenant_client("alpha", alpha_admin).post(
        "/api/voucher-batches/",
        {"profile": profile_id, "radius_server": server.pk, "count": 3},
        content_type="application/json",
    )
    with schema_context("alpha"):
        batch = VoucherBatch.objects.get()
        voucher = batch.vouchers.first()
    beta = tenant_client("beta", make_user("beta", "other", role="admin"))
    assert beta.get("/api/vouchers/").json()["results"] == []
    assert beta.get(f"/api/vouchers/{voucher.pk}/").status_code == 404
    assert beta.get(f"/api/voucher-batches/{batch.pk}/").status_code == 404
    assert beta.get(f"/vouchers/batches/{batch.pk}/").status_code == 404
    assert beta.post(f"/api/voucher-batches/{batch.pk}/retry-failed/").status_code == 404
    assert beta.get(f"/api/voucher-profiles/{profile_id}/").status_code == 404


def test_sheet_shows_codes_and_qr(alpha_admin, tenant_client, server, profile_id):
    client = tenant_client("alpha", alpha_admin)
    client.post(
        "/api/voucher-batches/",
        {"profile": profile_id, "radius_server": server.pk, "count": 4, "separate_password": True},
        content_type="application/json",
    )
    with schema_context("alpha"):
        batch = VoucherBatch.objects.get()
        voucher = batch.vouchers.first()
    sheet = client.get(f"/vouchers/batches/{batch.pk}/sheet/?login_url=http://10.5.50.1/login")
    assert sheet.status_code == 200
    html = sheet.content.decode()
    assert voucher.username in html and voucher.password in html and "<svg" in html
    assert "KES 20" in html and "KES 20.00" not in html  # whole prices print without cents


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("price", "-5.00", "greater than or equal to 0"),
        ("expires_at", "0077-10-16T16:35:56Z", "from the year 2000"),
    ],
)
def test_a_negative_price_or_an_expiry_before_2000_is_a_field_error(
    alpha_admin, tenant_client, field, value, text
):
    body = {"name": "bad", "time_limit": 3600, "validity_mode": "fixed", field: value}
    body.setdefault("expires_at", "2030-01-01T00:00:00Z")
    response = tenant_client("alpha", alpha_admin).post(
        "/api/voucher-profiles/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert text in " ".join(response.json()[field])
