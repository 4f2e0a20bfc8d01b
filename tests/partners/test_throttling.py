"""Throttles per client and per user (429 with Retry-After, counted in Redis), a lower rate for
bulk uploads, and a client locked after repeated wrong secrets at /o/token/."""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.models import AccessLogEntry
from tests.api.conftest import create_partner, fetch_token
from tests.api_clients import bearer_client, session_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()  # this suite's own Redis database (REDIS_URL)
    yield
    cache.clear()


@override_settings(API_THROTTLE_RATES={"client": "3/min", "user": None, "bulk": None})
def test_a_client_over_its_rate_gets_429_with_retry_after(unhcr_client, unhcr_account):
    answers = [unhcr_client.get("/api/v1/cases/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "throttled"
    # Another client of the same account has its own count.
    assert bearer_client(unhcr_account, "cases:read").get("/api/v1/cases/").status_code == 200


@override_settings(API_THROTTLE_RATES={"client": None, "user": "2/min", "bulk": None})
def test_a_person_over_the_user_rate_gets_429(caseworker, manager):
    client = session_client(caseworker)
    assert [client.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]
    assert session_client(manager).get("/api/v1/cases/").status_code == 200


@override_settings(API_THROTTLE_RATES={"client": "100/min", "user": "100/min", "bulk": "1/hour"})
def test_bulk_uploads_have_their_own_lower_rate(unhcr_client):
    def upload():
        file = SimpleUploadedFile("x.csv", b"given_name\nA\n", content_type="text/csv")
        return unhcr_client.post("/api/v1/referral-files/", {"file": file}, format="multipart")

    assert upload().status_code == 400  # counted, though refused for its columns
    refused = upload()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60
    # Reading is not a bulk call.
    assert unhcr_client.get("/api/v1/referral-files/").status_code == 200


@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=3, OAUTH_CLIENT_LOCK_SECONDS=600)
def test_repeated_wrong_secrets_lock_the_client_even_for_the_right_secret():
    client_id, secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    assert [fetch_token(client_id, "wrong").status_code for _ in range(2)] == [401, 401]
    locked = fetch_token(client_id, "wrong")
    assert locked.status_code == 429
    assert locked.json()["error"] == "client_locked"
    assert int(locked["Retry-After"]) == 600
    assert fetch_token(client_id, secret).status_code == 429
    # Another client is not affected.
    other_id, other_secret = create_partner(f"RSC {uuid.uuid4().hex[:6]}", "cases:read")
    assert fetch_token(other_id, other_secret).status_code == 200


@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=3)
def test_a_right_secret_clears_the_count_of_wrong_ones():
    client_id, secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    for _round in range(3):
        assert fetch_token(client_id, "wrong").status_code == 401
        assert fetch_token(client_id, "wrong").status_code == 401
        assert fetch_token(client_id, secret).status_code == 200


def test_every_partner_call_is_in_the_access_log(unhcr_client, unhcr, unhcr_account, caseworker):
    unhcr_client.get("/api/v1/cases/?page_size=5")
    unhcr_client.get("/api/v1/cases/999999/")
    session_client(caseworker).get("/api/v1/cases/")  # staff in the browser: not a partner call
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [(e.method, e.path, e.status_code) for e in entries] == [
        ("GET", "/api/v1/cases/", 200),
        ("GET", "/api/v1/cases/999999/", 404),
    ]
    assert entries[0].query == "page_size=5"
    assert entries[0].user == unhcr_account
    assert entries[0].organisation == unhcr
    assert entries[0].client_id
