"""Booking and notice webhooks: `booking.created`, `booking.changed` and `notice.issued` are
written to the outbox in the transaction of the change, only for the mission of the case's
country, delivered signed, with the case and the booking named and no medical detail."""

import datetime
import json

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cases import workflow
from cases.choices import CaseStatus
from core.errors import NotPermitted, TransitionRefused
from core.roles import Role
from movements.bookings import services
from movements.choices import BookingStatus, NoticeKind
from movements.listeners import BookingChange
from movements.notices import services as notices
from partners import delivery, outbox
from partners.models import OutboxStatus, WebhookEvent, WebhookMessage
from partners.signing import verify
from tests.factories import user_with_role
from tests.movements.booked import booked_case, mission
from tests.movements.conftest import (
    TODAY,
    book,
    days,
    everyone,
    fit_checks,
    ready_case,
    segment,
    today_flight,
)

pytestmark = pytest.mark.django_db

BOOKING_EVENTS = [WebhookEvent.BOOKING_CREATED, WebhookEvent.BOOKING_CHANGED]
# Words of medical detail or free text that a booking payload must never carry.
NOT_TOLD = ("clearance", "condition", "assessment", "medical", "wheelchair", "reason", "notes")


@pytest.fixture(autouse=True)
def orientation_done(monkeypatch):
    """The orientation app's guard made to pass: that app tests its own."""
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)


@pytest.fixture
def hooks(unhcr, support_centre, us_mission, canada_mission, endpoint_for):
    """An endpoint for each kind of partner, all asking for every event."""
    return {
        "unhcr": endpoint_for(unhcr, "http://127.0.0.1:9/unhcr"),
        "centre": endpoint_for(support_centre, "http://127.0.0.1:9/centre"),
        "us": endpoint_for(us_mission, "http://127.0.0.1:9/us"),
        "canada": endpoint_for(canada_mission, "http://127.0.0.1:9/ca"),
    }


def told(event_type, **filters):
    return list(
        WebhookMessage.objects.filter(event_type=event_type, **filters).order_by("created_at", "id")
    )


def assert_no_medical_detail(payload):
    text = json.dumps(payload).lower()
    assert not [word for word in NOT_TOLD if word in text], text


def test_a_booking_is_told_only_to_the_mission_of_the_cases_country(
    hooks, movement_officer, django_capture_on_commit_callbacks
):
    case = ready_case(adults=2, children=1)  # a US case
    with django_capture_on_commit_callbacks() as queued:
        booking = book(case, movement_officer)

    (message,) = told(WebhookEvent.BOOKING_CREATED)
    # UNHCR and the support centre see the case but not its bookings; Canada's mission neither.
    assert message.endpoint_id == hooks["us"].pk
    assert not WebhookMessage.objects.filter(
        event_type__in=BOOKING_EVENTS, endpoint__in=[hooks["unhcr"], hooks["centre"]]
    ).exists()
    assert not WebhookMessage.objects.filter(endpoint=hooks["canada"]).exists()
    data = message.payload["data"]
    assert message.payload["type"] == "booking.created"
    assert (data["case_id"], data["case_number"], data["destination_country"]) == (
        case.pk,
        case.case_number,
        "USA",
    )
    assert data["change"] == BookingChange.BOOKED
    assert data["replaces_booking_id"] is None
    facts = data["booking"]
    assert (facts["booking_id"], facts["status"], facts["booking_reference"]) == (
        booking.pk,
        BookingStatus.BOOKED,
        "ABC123",
    )
    assert facts["departure_date"] == booking.departure_date.isoformat()
    assert (facts["travellers"], facts["tickets_issued"]) == (3, 0)
    assert [(f["flight_number"], f["from_airport"], f["to_airport"]) for f in facts["flights"]] == [
        ("SN466", "KGL", "BRU")
    ]
    assert_no_medical_detail(message.payload)
    assert "Mugisha" not in json.dumps(message.payload)  # names are read through the API
    # A drain per message, on commit: the case's status to UNHCR, the support centre and the
    # US mission (it is in their scope), the booking to the US mission only.
    assert len(queued) == 4


def test_tickets_reference_and_status_are_one_change(hooks, movement_officer):
    case = ready_case(adults=2)
    booking = book(case, movement_officer)
    tickets = {row["individual"]: f"0820000{n}" for n, row in enumerate(everyone(case))}

    services.booking_update(
        actor=movement_officer,
        booking=booking,
        tickets=tickets,
        booking_reference="xyz789",
        status=BookingStatus.TICKETED,
    )

    (message,) = told(WebhookEvent.BOOKING_CHANGED)
    data = message.payload["data"]
    assert message.endpoint_id == hooks["us"].pk
    assert data["change"] == BookingChange.UPDATED
    assert data["changes"] == {
        "booking_reference": ["ABC123", "XYZ789"],
        "status": [BookingStatus.BOOKED, BookingStatus.TICKETED],
        "ticket_numbers": 2,
    }
    assert (data["booking"]["status"], data["booking"]["tickets_issued"]) == ("ticketed", 2)

    # Saving the booking as it is changes nothing, and tells nothing.
    services.booking_update(actor=movement_officer, booking=booking, booking_reference="XYZ789")
    assert len(told(WebhookEvent.BOOKING_CHANGED)) == 1


def test_cancelling_and_booking_again_are_told_without_the_reason(hooks, movement_officer):
    case = ready_case()
    first = book(case, movement_officer)

    services.booking_cancel(
        actor=movement_officer, booking=first, reason="Tuberculosis treatment started"
    )
    second = book(case, movement_officer, day=TODAY() + days(25))

    cancelled, rebooked = told(WebhookEvent.BOOKING_CHANGED)
    assert cancelled.payload["data"]["change"] == BookingChange.CANCELLED
    assert cancelled.payload["data"]["changes"] == {
        "status": [BookingStatus.BOOKED, BookingStatus.CANCELLED]
    }
    assert "Tuberculosis" not in json.dumps(cancelled.payload)
    assert_no_medical_detail(cancelled.payload)

    created = told(WebhookEvent.BOOKING_CREATED)
    assert [m.payload["data"]["booking"]["booking_id"] for m in created] == [first.pk, second.pk]
    assert created[1].payload["data"]["replaces_booking_id"] == first.pk
    assert rebooked.payload["data"]["change"] == BookingChange.REBOOKED
    assert rebooked.payload["data"]["booking"]["booking_id"] == first.pk
    assert rebooked.payload["data"]["replaced_by_booking_id"] == second.pk
    assert {
        m.endpoint_id for m in WebhookMessage.objects.filter(event_type__in=BOOKING_EVENTS)
    } == {hooks["us"].pk}


def test_departure_and_arrival_are_changes_of_the_booking(hooks, movement_officer):
    noon = timezone.make_aware(datetime.datetime.combine(TODAY(), datetime.time(12)))
    with time_machine.travel(noon, tick=True) as clock:
        case = ready_case()
        booking = book(case, movement_officer, day=TODAY(), segments=today_flight())
        fit_checks(case)

        services.departure_record(actor=movement_officer, booking=booking, notes="Nurse escorted")
        clock.shift(datetime.timedelta(hours=10))  # landed at 20:00 in Brussels
        services.arrival_record(
            actor=movement_officer,
            booking=booking,
            arrived_on=TODAY(),
            airport="BRU",
            receiving_agency="Fedasil",
            notes="Handed over",
        )

    departed, arrived = told(WebhookEvent.BOOKING_CHANGED)
    data = departed.payload["data"]
    assert data["change"] == BookingChange.DEPARTED
    assert data["changes"]["status"] == [BookingStatus.BOOKED, BookingStatus.FLOWN]
    assert data["changes"]["departed_at"].startswith(TODAY().isoformat()[:4])
    assert data["booking"]["status"] == BookingStatus.FLOWN
    data = arrived.payload["data"]
    assert data["change"] == BookingChange.ARRIVED
    assert data["changes"] == {
        "arrived_on": TODAY().isoformat(),
        "airport": "BRU",
        "receiving_agency": "Fedasil",
    }
    for message in (departed, arrived):
        assert message.endpoint_id == hooks["us"].pk
        assert "Nurse" not in json.dumps(message.payload)
        assert "Handed over" not in json.dumps(message.payload)


def test_a_rolled_back_booking_writes_nothing_to_the_outbox(
    hooks, movement_officer, django_capture_on_commit_callbacks
):
    case = ready_case()
    with (
        django_capture_on_commit_callbacks() as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book(case, movement_officer)
        assert told(WebhookEvent.BOOKING_CREATED)  # written inside the transaction...
        raise RuntimeError("something after the booking failed")
    assert not WebhookMessage.objects.exists()  # ...and gone with it
    assert queued == []  # no drain queued either
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_TRAVEL


def test_a_rolled_back_cancellation_and_notice_write_nothing_to_the_outbox(
    us_mission, endpoint_for, movement_officer, notified, django_capture_on_commit_callbacks
):
    endpoint_for(us_mission, "http://127.0.0.1:9/us", events=[*BOOKING_EVENTS, "notice.issued"])
    with django_capture_on_commit_callbacks():  # the notice stays queued: sent below
        notice = notices.notice_send(actor=movement_officer, booking=notified)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.booking_cancel(actor=movement_officer, booking=notified, reason="Withdrawn")
        notices.notice_deliver(notice.pk)
        assert len(WebhookMessage.objects.all()) == 2  # booking.changed, notice.issued
        raise RuntimeError("something after the change failed")
    assert not WebhookMessage.objects.exists()
    notified.refresh_from_db()
    notice.refresh_from_db()
    assert (notified.status, notice.status) == (BookingStatus.BOOKED, "queued")


def test_a_refused_booking_tells_nothing(hooks, movement_officer):
    case = ready_case()
    case.members.first().documents.all().delete()
    with pytest.raises(TransitionRefused):
        book(case, movement_officer)
    assert not WebhookMessage.objects.exists()


def test_a_booking_by_the_api_is_told_the_same_way(hooks, movement_officer):
    from tests.api_clients import session_client

    case = ready_case()
    day = TODAY() + days(20)
    body = {
        "case": case.pk,
        "segments": [
            {
                key: (value.isoformat() if hasattr(value, "isoformat") else value)
                for key, value in segment(day).items()
            }
        ],
        "travellers": everyone(case),
        "booking_reference": "API001",
    }
    response = session_client(movement_officer).post(
        "/api/v1/movements/bookings/", body, format="json"
    )
    assert response.status_code == 201, response.content
    (message,) = told(WebhookEvent.BOOKING_CREATED)
    assert message.endpoint_id == hooks["us"].pk
    assert message.payload["data"]["booking"]["booking_id"] == response.json()["id"]


def test_nothing_is_written_when_no_endpoint_asks_for_booking_events(
    us_mission, endpoint_for, movement_officer, monkeypatch
):
    endpoint_for(us_mission, "http://127.0.0.1:9/us", events=[WebhookEvent.CASE_STATUS_CHANGED])

    def not_built(booking):
        raise AssertionError("a payload was built for no one")

    monkeypatch.setattr(outbox, "booking_facts", not_built)
    case = ready_case()
    booking = book(case, movement_officer)
    services.booking_cancel(actor=movement_officer, booking=booking, reason="Flight withdrawn")

    assert not WebhookMessage.objects.filter(event_type__in=BOOKING_EVENTS).exists()
    # The endpoint still hears what it asked for: the case's two changes of status.
    assert len(told(WebhookEvent.CASE_STATUS_CHANGED)) == 2


def test_nothing_is_written_or_queued_without_any_endpoint(
    movement_officer, django_capture_on_commit_callbacks
):
    case = ready_case()
    with django_capture_on_commit_callbacks() as queued:
        book(case, movement_officer)
    assert not WebhookMessage.objects.exists()
    assert queued == []


def test_a_booking_event_is_delivered_signed(us_mission, endpoint_for, receiver, movement_officer):
    hook = endpoint_for(us_mission, receiver.url, events=[WebhookEvent.BOOKING_CREATED])
    booking = book(ready_case(), movement_officer)

    assert delivery.drain_endpoint(hook.pk) == 1
    headers, body = receiver.received[0]
    message = WebhookMessage.objects.get()
    assert headers["webhook-id"] == message.msg_id
    verify(hook.secret, headers, body)  # raises unless signed with the mission's secret
    sent = json.loads(body)
    assert sent["type"] == "booking.created"
    assert sent["data"]["booking"]["booking_id"] == booking.pk
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


# ---------------------------------------------------------------------------------------------
# Notices


@pytest.fixture
def notified(movement_officer):
    mission("USA")
    mission("CAN", email="abn@canada.example")
    return booked_case(day=TODAY() + days(10), status=BookingStatus.BOOKED, reference="KQ0001")


def test_a_notice_sent_is_told_to_its_mission_original_then_amended(
    unhcr,
    us_mission,
    canada_mission,
    endpoint_for,
    receiver,
    movement_officer,
    notified,
    django_capture_on_commit_callbacks,
):
    us_hook = endpoint_for(us_mission, receiver.url, events=[WebhookEvent.NOTICE_ISSUED])
    endpoint_for(canada_mission, "http://127.0.0.1:9/ca")
    endpoint_for(unhcr, "http://127.0.0.1:9/unhcr")

    with django_capture_on_commit_callbacks(execute=True):
        notice = notices.notice_send(actor=movement_officer, booking=notified)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_update(actor=movement_officer, booking=notified, booking_reference="KQ2")

    messages = told(WebhookEvent.NOTICE_ISSUED)
    assert [m.endpoint_id for m in messages] == [us_hook.pk, us_hook.pk]
    original, amended = (m.payload["data"] for m in messages)
    assert (original["notice_id"], original["kind"], original["sequence"]) == (
        notice.pk,
        NoticeKind.ORIGINAL,
        1,
    )
    assert (amended["kind"], amended["sequence"]) == (NoticeKind.AMENDED, 2)
    assert original["booking_id"] == notified.pk
    assert original["case_number"] == notified.case.case_number
    assert original["sent_at"]
    for message in messages:
        assert "body" not in message.payload["data"]
        assert_no_medical_detail(message.payload)
    # The drains ran on commit: both delivered to the mission, signed.
    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        verify(us_hook.secret, headers, body)
    assert not WebhookMessage.objects.filter(event_type=WebhookEvent.NOTICE_ISSUED).exclude(
        endpoint=us_hook
    )


def test_a_notice_the_mail_server_refused_is_not_told(
    us_mission,
    endpoint_for,
    movement_officer,
    notified,
    settings,
    django_capture_on_commit_callbacks,
):
    endpoint_for(us_mission, "http://127.0.0.1:9/us", events=[WebhookEvent.NOTICE_ISSUED])
    settings.EMAIL_BACKEND = "tests.movements.test_notices.RefusingBackend"
    settings.NOTICE_SEND_RETRIES = 0
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=notified)
    assert not WebhookMessage.objects.exists()


def test_another_countrys_notice_is_not_told_to_the_us_mission(
    us_mission, canada_mission, endpoint_for, movement_officer, django_capture_on_commit_callbacks
):
    mission("CAN", email="abn@canada.example")
    us_hook = endpoint_for(us_mission, "http://127.0.0.1:9/us")
    canada_hook = endpoint_for(canada_mission, "http://127.0.0.1:9/ca")
    booking = booked_case(day=TODAY() + days(10), country="CAN")
    with django_capture_on_commit_callbacks():
        notices.notice_send(actor=movement_officer, booking=booking)
        notices.notice_deliver(booking.notices.get().pk)
    (message,) = told(WebhookEvent.NOTICE_ISSUED)
    assert message.endpoint_id == canada_hook.pk
    assert not WebhookMessage.objects.filter(endpoint=us_hook).exists()


def test_a_mission_with_several_countries_is_told_no_booking(
    endpoint_for, movement_officer, us_mission
):
    from cases.models import Country

    us_mission.countries.add(Country.objects.get(iso_code="CAN"))
    endpoint_for(us_mission, "http://127.0.0.1:9/us")
    book(ready_case(), movement_officer)
    # As through the API: no single country, no bookings (only the case's status is told).
    assert not WebhookMessage.objects.filter(event_type__in=BOOKING_EVENTS).exists()


def test_only_movement_officers_cause_booking_events(hooks, movement_officer):
    caseworker = user_with_role(Role.CASEWORKER, username="cw")
    case = ready_case()
    with pytest.raises(NotPermitted):
        book(case, caseworker)
    assert not WebhookMessage.objects.exists()
