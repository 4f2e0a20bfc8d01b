"""The administrator keeps partner organisations, their webhook endpoints and the outbox in the
admin: the delivery log, the replay, the access log; other roles may not."""

import pytest

from cases.choices import PartnerKind
from cases.models import Country, PartnerOrganisation
from core.roles import Role
from partners.models import (
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
    new_webhook_secret,
)
from tests.factories import UserFactory

from .conftest import account

pytestmark = pytest.mark.django_db


def staff_with_role(role, username):
    return UserFactory(username=username, is_staff=True, roles=[role])


@pytest.fixture
def admin_client(client):
    client.force_login(staff_with_role(Role.ADMINISTRATOR, "admin-officer"))
    return client


def test_an_administrator_records_a_mission_with_its_country(admin_client):
    canada = Country.objects.get(iso_code="CAN")
    answer = admin_client.post(
        "/admin/cases/partnerorganisation/add/",
        {
            "name": "High Commission of Canada",
            "kind": PartnerKind.MISSION,
            "countries": [canada.pk],
            "is_active": "on",
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
            "webhook_endpoints-TOTAL_FORMS": "1",
            "webhook_endpoints-INITIAL_FORMS": "0",
            "webhook_endpoints-0-url": "https://canada.example.org/hooks",
            "webhook_endpoints-0-events": ["booking.created", "notice.issued"],
            "webhook_endpoints-0-is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    organisation = PartnerOrganisation.objects.get()
    assert list(organisation.countries.all()) == [canada]
    endpoint = WebhookEndpoint.objects.get(organisation=organisation)
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.events == ["booking.created", "notice.issued"]


def test_the_organisation_page_lists_its_accounts_and_the_outbox_its_deliveries(
    admin_client, unhcr, endpoint_for
):
    account(unhcr, "unhcr-system")
    endpoint = endpoint_for(unhcr, "https://unhcr.example.org/hooks")
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_1",
        event_type="case.status_changed",
        payload={"type": "case.status_changed"},
        status=OutboxStatus.FAILED,
        attempts=8,
    )
    WebhookDelivery.objects.create(message=message, attempt=8, status_code=503)
    page = admin_client.get(f"/admin/cases/partnerorganisation/{unhcr.pk}/change/")
    assert page.status_code == 200
    assert "unhcr-system" in page.content.decode()
    detail = admin_client.get(f"/admin/partners/webhookmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert "503" in detail.content.decode()
    for path in ("webhookdelivery", "intakebatch", "webhookendpoint"):
        assert admin_client.get(f"/admin/partners/{path}/").status_code == 200, path
    # The access log is the API's own record (core.api).
    assert admin_client.get("/admin/core/accesslogentry/").status_code == 200


def test_an_administrator_replays_a_failed_message(
    admin_client, unhcr, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(unhcr, "http://127.0.0.1:9/hooks")
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_2",
        event_type="case.status_changed",
        payload={},
        status=OutboxStatus.FAILED,
        attempts=8,
    )
    with django_capture_on_commit_callbacks() as queued:
        answer = admin_client.post(
            "/admin/partners/webhookmessage/",
            {"action": "replay", "_selected_action": [message.pk]},
        )
    assert answer.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert len(queued) == 1  # the endpoint's drain, after commit


def test_other_roles_cannot_replay_or_see_the_outbox(client, unhcr, endpoint_for):
    client.force_login(staff_with_role(Role.CASEWORKER, "curious-caseworker"))
    endpoint = endpoint_for(unhcr, "http://127.0.0.1:9/hooks")
    message = WebhookMessage.objects.create(
        endpoint=endpoint, msg_id="msg_3", event_type="case.status_changed", payload={}
    )
    assert client.get("/admin/partners/webhookmessage/").status_code == 403
    answer = client.post(
        "/admin/partners/webhookmessage/", {"action": "replay", "_selected_action": [message.pk]}
    )
    assert answer.status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0


def test_the_endpoint_page_offers_every_event_type_and_refuses_an_unknown_one(
    admin_client, us_mission
):
    page = admin_client.get("/admin/partners/webhookendpoint/add/").content.decode()
    for event in WebhookEvent.values:
        assert f'value="{event}"' in page
    form = {
        "organisation": us_mission.pk,
        "url": "us.example.org/hooks",
        "secret": new_webhook_secret(),
    }
    refused = admin_client.post(
        "/admin/partners/webhookendpoint/add/", {**form, "events": ["booking.moved"]}
    )
    assert refused.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    answer = admin_client.post(
        "/admin/partners/webhookendpoint/add/",
        {**form, "events": [WebhookEvent.BOOKING_CHANGED], "is_active": "on"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == [WebhookEvent.BOOKING_CHANGED]
    assert endpoint.url == "https://us.example.org/hooks"
