"""Partners manage their own webhook endpoints through the API (scope `webhooks:manage`):
register, list, pause and resume, delete, rotate the secret. The secret is shown once; during a
rotation's overlap the old and the new secret both sign, verified with the `standardwebhooks`
package (not only our own verifier)."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cases.workflow import case_transition
from core.roles import Role
from partners import delivery
from partners.models import OutboxStatus, WebhookEndpoint, WebhookMessage
from tests.api_clients import bearer_client, session_client
from tests.factories import CaseFactory, user_with_role

pytestmark = pytest.mark.django_db

QUERIES_ENDPOINT_LIST = 6


@pytest.fixture
def officer(db):
    return user_with_role(Role.CASEWORKER, username="officer")


def _register(client, url, events=None):
    body = {"url": url}
    if events is not None:
        body["events"] = events
    return client.post("/api/v1/webhook-endpoints/", body, format="json")


def test_a_partner_registers_an_endpoint_and_sees_its_secret_once(unhcr_client, receiver, unhcr):
    answer = _register(unhcr_client, receiver.url, ["case.status_changed"])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["secret"].startswith("whsec_")
    assert answer["Location"] == f"/api/v1/webhook-endpoints/{body['id']}/"
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.organisation == unhcr
    assert endpoint.secret == body["secret"]
    assert endpoint.events == ["case.status_changed"]
    # Never again: not in the list, not in the record.
    listing = unhcr_client.get("/api/v1/webhook-endpoints/")
    assert listing.json()["count"] == 1
    assert body["secret"] not in listing.content.decode()
    detail = unhcr_client.get(answer["Location"])
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    assert body["secret"] not in detail.content.decode()


def test_an_inward_url_is_refused_by_the_api_and_nothing_is_saved(unhcr_client, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url in (
        "https://169.254.169.254/latest/",
        "https://127.0.0.1:6379/",
        "http://partner.example/hook",
        "https://u:p@partner.example/hook",
    ):
        answer = _register(unhcr_client, url)
        assert answer.status_code == 400, url
        assert answer.json()["error"]["field"] == "url", answer.json()
    assert not WebhookEndpoint.objects.exists()


def test_only_partner_systems_with_the_scope_manage_endpoints(
    unhcr_account, caseworker, administrator
):
    no_scope = bearer_client(unhcr_account, "cases:read")
    assert _register(no_scope, "https://partner.example/h").status_code == 403
    assert no_scope.get("/api/v1/webhook-endpoints/").status_code == 403
    for user in (caseworker, administrator):
        assert _register(session_client(user), "https://partner.example/h").status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_organisation_cannot_touch_an_endpoint(unhcr_client, canada_client):
    mine = _register(unhcr_client, "https://partner.example/mine").json()
    url = f"/api/v1/webhook-endpoints/{mine['id']}/"
    assert canada_client.get(url).status_code == 404
    assert canada_client.patch(url, {"paused": True}, format="json").status_code == 404
    assert canada_client.delete(url).status_code == 404
    assert canada_client.post(url + "rotate-secret/").status_code == 404
    assert canada_client.get("/api/v1/webhook-endpoints/").json()["count"] == 0
    endpoint = WebhookEndpoint.objects.get(pk=mine["id"])
    assert endpoint.paused_at is None
    assert endpoint.secret == mine["secret"]


def test_pause_keeps_events_waiting_and_resume_sends_them(
    unhcr_client, receiver, officer, django_capture_on_commit_callbacks
):
    created = _register(unhcr_client, receiver.url).json()
    url = f"/api/v1/webhook-endpoints/{created['id']}/"
    paused = unhcr_client.patch(url, {"paused": True}, format="json")
    assert paused.status_code == 200
    assert paused.json()["paused"] is True
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    assert receiver.received == []
    message = WebhookMessage.objects.get(endpoint_id=created["id"])
    assert message.status == OutboxStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        resumed = unhcr_client.patch(url, {"paused": False}, format="json")
    assert resumed.json()["paused"] is False
    assert len(receiver.received) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


def test_a_partner_changes_and_deletes_its_endpoint(unhcr_client):
    created = _register(unhcr_client, "https://partner.example/a").json()
    url = f"/api/v1/webhook-endpoints/{created['id']}/"
    changed = unhcr_client.patch(
        url, {"url": "https://partner.example/b", "events": ["booking.created"]}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["url"] == "https://partner.example/b"
    assert changed.json()["events"] == ["booking.created"]
    refused = unhcr_client.patch(url, {"url": "https://10.0.0.1/"}, format="json")
    assert refused.status_code == 400
    assert WebhookEndpoint.objects.get(pk=created["id"]).url == "https://partner.example/b"
    assert unhcr_client.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=created["id"]).exists()
    assert unhcr_client.get(url).status_code == 404


def _deliver_one(endpoint_id, receiver, officer, capture):
    before = len(receiver.received)
    with capture(execute=True):
        case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    delivery.drain_endpoint(endpoint_id)
    assert len(receiver.received) == before + 1
    return receiver.received[-1]


def test_signatures_verify_with_the_standardwebhooks_package_through_a_rotation(
    unhcr_client, receiver, officer, django_capture_on_commit_callbacks
):
    created = _register(unhcr_client, receiver.url).json()
    old = created["secret"]
    headers, body = _deliver_one(
        created["id"], receiver, officer, django_capture_on_commit_callbacks
    )
    Webhook(old).verify(body, headers)

    rotated = unhcr_client.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret/")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    until = datetime.datetime.fromisoformat(rotated.json()["previous_secret_signs_until"])
    assert until > timezone.now() + datetime.timedelta(hours=23)
    # During the overlap both secrets verify the same message.
    headers, body = _deliver_one(
        created["id"], receiver, officer, django_capture_on_commit_callbacks
    )
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
    assert len(headers["webhook-signature"].split()) == 2
    # After it, only the new one.
    with time_machine.travel(until + datetime.timedelta(seconds=5)):
        headers, body = _deliver_one(
            created["id"], receiver, officer, django_capture_on_commit_callbacks
        )
        Webhook(new).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(body, headers)


def test_the_admin_never_shows_a_secret_after_creation(client, unhcr):
    from tests.partners.test_admin import staff_with_role

    endpoint = WebhookEndpoint.objects.create(organisation=unhcr, url="https://partner.example/h")
    client.force_login(staff_with_role(Role.ADMINISTRATOR, "admin-secret"))
    for url in (
        f"/admin/partners/webhookendpoint/{endpoint.pk}/change/",
        "/admin/partners/webhookendpoint/",
        f"/admin/cases/partnerorganisation/{unhcr.pk}/change/",
        f"/admin/partners/webhookendpoint/{endpoint.pk}/history/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert endpoint.secret not in page.content.decode(), url
        assert endpoint.secret.removeprefix("whsec_")[:20] not in page.content.decode(), url


def test_the_endpoint_list_has_a_fixed_number_of_queries(unhcr_client, django_assert_num_queries):
    _register(unhcr_client, "https://partner.example/1")
    with django_assert_num_queries(QUERIES_ENDPOINT_LIST):
        assert unhcr_client.get("/api/v1/webhook-endpoints/").json()["count"] == 1
    for n in range(3):
        _register(unhcr_client, f"https://partner.example/{n + 2}")
    with django_assert_num_queries(QUERIES_ENDPOINT_LIST):
        assert unhcr_client.get("/api/v1/webhook-endpoints/").json()["count"] == 4
