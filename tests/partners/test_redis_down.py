"""With Redis stopped (the cache and the broker pointed at a closed port): the API answers
(throttles let calls through), the token endpoint refuses cleanly (503 JSON, Retry-After),
writes are kept, and their background work runs once Redis is back (the sweep)."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from kombu.exceptions import OperationalError

from cases.choices import CaseStatus
from cases.workflow import case_transition
from config.celery import app as celery_app
from core.roles import Role
from partners import tasks
from partners.models import OutboxStatus, WebhookEndpoint, WebhookMessage
from tests.api.conftest import create_partner, fetch_token
from tests.api_clients import session_client
from tests.factories import CaseFactory, user_with_role

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"
NO_REDIS = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
        }
    },
    API_THROTTLE_RATES={"client": "600/min", "user": "600/min", "bulk": "10/hour"},
)


def test_the_api_and_pages_answer_without_redis(unhcr_client, caseworker):
    with NO_REDIS:
        with pytest.raises(Exception):  # noqa: B017 (the cache is really down)
            cache.get("anything")
        assert unhcr_client.get("/api/v1/cases/").status_code == 200
        assert unhcr_client.get("/api/v1/webhook-endpoints/").status_code == 200
        client = session_client(caseworker)
        assert client.get("/api/v1/cases/").status_code == 200
        assert client.get("/").status_code == 200


def test_the_token_endpoint_refuses_cleanly_without_redis():
    client_id, secret = create_partner("UNHCR no redis", "cases:read")
    with NO_REDIS:
        answer = fetch_token(client_id, secret)
    assert answer.status_code == 503
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["error"] == "temporarily_unavailable"
    assert int(answer["Retry-After"]) > 0
    # Back: a token as usual.
    assert fetch_token(client_id, secret).status_code == 200


def test_writes_are_kept_and_their_work_runs_once_redis_is_back(
    unhcr, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    officer = user_with_role(Role.CASEWORKER, username="officer-no-redis")
    endpoint = WebhookEndpoint.objects.create(organisation=unhcr, url=receiver.url)
    case = CaseFactory()

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    celery_app.conf.task_always_eager = False
    try:
        with NO_REDIS, django_capture_on_commit_callbacks(execute=True):
            case_transition(case=case, transition="start_pre_screening", actor=officer)
    finally:
        celery_app.conf.task_always_eager = True
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING
    message = WebhookMessage.objects.get(endpoint=endpoint)
    assert message.status == OutboxStatus.PENDING
    assert receiver.received == []
    # Redis is back: the periodic sweep queues the drain, which delivers what waited.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.webhook_sweep() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert len(receiver.received) == 1
