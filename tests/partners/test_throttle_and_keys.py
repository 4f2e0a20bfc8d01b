"""Throttles that hold under concurrency (one atomic counter), 429 documented on every
throttled operation, and Idempotency-Key answers that are final, whole (headers too) and never
waited on."""

import threading
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.models import IdempotencyKey
from core.roles import Role
from partners.models import WebhookEndpoint
from tests.api_clients import bearer_client
from tests.factories import user_with_role


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
@override_settings(API_THROTTLE_RATES={"client": "20/min", "user": None, "bulk": None})
def test_parallel_clients_on_one_token_get_exactly_the_limit():
    partner = user_with_role(Role.PARTNER_SYSTEM, username=f"p-{uuid.uuid4().hex[:6]}")
    token = bearer_client(partner, "webhooks:manage")._credentials["HTTP_AUTHORIZATION"]
    codes = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def calls():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        barrier.wait()
        try:
            for _ in range(10):
                code = client.get("/api/v1/webhook-messages/").status_code
                with lock:
                    codes.append(code)
        finally:
            connection.close()

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 80
    assert codes.count(200) == 20
    assert codes.count(429) == 60


def test_every_throttled_operation_documents_429_with_retry_after():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 60
    for path, method, operation in operations:
        too_many = operation["responses"].get("429")
        assert too_many is not None, (method, path)
        assert "Retry-After" in too_many["headers"], (method, path)


@pytest.mark.django_db
def test_a_429_is_never_kept_as_a_keys_answer(unhcr_account):
    client = bearer_client(unhcr_account, "webhooks:manage")
    body = {"url": "https://partner.example/hook"}
    with override_settings(API_THROTTLE_RATES={"client": "1/min", "user": None, "bulk": None}):
        assert client.get("/api/v1/webhook-endpoints/").status_code == 200
        refused = client.post(
            "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-429"
        )
        assert refused.status_code == 429
        assert not IdempotencyKey.objects.filter(key="k-429").exists()
    cache.clear()  # the window has passed
    again = client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-429"
    )
    assert again.status_code == 201
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_a_replay_has_the_first_answers_location(unhcr_client):
    body = {"url": "https://partner.example/hook"}
    first = unhcr_client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-loc"
    )
    assert first.status_code == 201
    again = unhcr_client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-loc"
    )
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_a_key_still_in_flight_is_answered_409_at_once(unhcr_client):
    body = {"url": "https://partner.example/hook"}
    unhcr_client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-busy"
    )
    # As if the first request were still running.
    IdempotencyKey.objects.filter(key="k-busy").update(status_code=None, response_body=None)
    started = time.perf_counter()
    answer = unhcr_client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-busy"
    )
    assert time.perf_counter() - started < 1.0
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "idempotency_key_in_use"
    assert int(answer["Retry-After"]) >= 1
    assert WebhookEndpoint.objects.count() == 1
