"""What a receiving mission sees is one rule (movements.mission), the same at every door: the
notice text, the bookings API answered to a mission, the webhooks. No free-text reason, no
medical detail beyond the travel conditions; notices in the mission's language. And the notice
API: an officer sends and re-sends, with the page's rules; every other role is refused."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone, translation

from cases.choices import SpecialNeed
from cases.models import Country, PartnerProfile
from core.roles import Role
from medical.models import HealthAssessment
from movements.bookings import services
from movements.choices import BookingStatus, NoticeStatus
from movements.mission import booking_for_mission, booking_summary
from movements.models import Booking, BookingNotice, MissionContact
from movements.notices import services as notices
from partners import outbox
from tests.api_clients import bearer_client, session_client
from tests.factories import user_with_role
from tests.medical.factories import ClearedAssessmentFactory
from tests.movements.booked import booked_case, mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


def mission_partner(iso="USA"):
    user = user_with_role(Role.PARTNER_SYSTEM, username=f"mission_{iso}")
    PartnerProfile.objects.create(
        user=user, organisation=f"{iso} mission", country=Country.objects.get(iso_code=iso)
    )
    return user


def test_the_mission_is_told_travel_conditions_and_nothing_more_medical(movement_officer, day):
    booking = booked_case(day=day, children=1)
    child = booking.case.members.exclude(pk=booking.case.members.first().pk).first()
    type(child).objects.filter(pk=child.pk).update(
        special_needs=[SpecialNeed.WHEELCHAIR, SpecialNeed.PREGNANCY]
    )
    ClearedAssessmentFactory(individual=child, programme=booking.case.programme)
    HealthAssessment.objects.filter(individual=child).update(conditions=["oxygen", "follow_up"])

    told = booking_for_mission(booking)
    _subject, body = notices.notice_text(booking, kind="original", sequence=1)

    conditions = {t["individual_id"]: t["conditions"] for t in told["travellers"]}
    assert conditions[child.pk] == ["wheelchair", "oxygen", "follow_up"]
    assert "Pregnancy" not in body
    assert "needs: Wheelchair, Oxygen during flight, Follow-up after arrival" in body
    assert "cancelled_reason" not in told and "notes" not in str(told.keys())


def test_a_cancelled_booking_reason_reaches_no_mission_door(
    movement_officer, day, django_capture_on_commit_callbacks
):
    mission()
    booking = booked_case(day=day)
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(
            actor=movement_officer, booking=booking, reason="Mother hospitalised (TB)"
        )
    reason = "Mother hospitalised"

    as_mission = bearer_client(mission_partner(), "movements:read")
    listed = as_mission.get("/api/v1/movements/bookings/")
    one = as_mission.get(f"/api/v1/movements/bookings/{booking.pk}/")
    notice_api = as_mission.get("/api/v1/movements/notices/")
    as_officer = session_client(movement_officer).get(f"/api/v1/movements/bookings/{booking.pk}/")

    assert one.status_code == listed.status_code == notice_api.status_code == 200
    assert "cancelled_reason" not in one.json()
    assert all("cancelled_reason" not in b for b in listed.json()["results"])
    assert reason not in one.content.decode() + listed.content.decode()
    assert reason not in notice_api.content.decode()
    assert all(reason not in m.body for m in mail.outbox)
    assert reason not in str(booking_summary(booking))
    # Staff still read it: it is the office's record.
    assert as_officer.json()["cancelled_reason"].startswith(reason)


def test_the_webhook_tells_what_the_one_rule_says(day):
    booking = booked_case(day=day, children=2)

    assert outbox.booking_facts(booking) == booking_summary(booking)
    assert outbox.booking_facts(booking)["travellers"] == 3


def test_the_notice_is_written_in_the_missions_language_whatever_the_officers(
    movement_officer, day, django_capture_on_commit_callbacks
):
    contact = mission(country="USA")
    MissionContact.objects.filter(pk=contact.pk).update(language="fr")
    english = mission(country="CAN", email="abn@canada.example")
    booking = booked_case(day=day)
    canadian = booked_case(day=day, country="CAN")

    with translation.override("sw"), django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=booking)
        notices.notice_send(actor=movement_officer, booking=canadian)

    french, in_english = mail.outbox
    assert english.language == "en"
    assert in_english.subject.startswith("Advance booking notification #1")
    assert french.subject != in_english.subject.replace("CAN", "USA")
    with translation.override("fr"):
        expected = str(translation.gettext("Advance booking notification"))
    assert french.subject.startswith(expected)


# --- The notice API: send and re-send --------------------------------------------------------


def send_url(booking):
    return f"/api/v1/movements/bookings/{booking.pk}/notice/"


def resend_url(notice):
    return f"/api/v1/movements/notices/{notice.pk}/resend/"


def test_an_officer_sends_the_notice_through_the_api_and_a_second_send_is_a_409_duplicate(
    movement_officer, day, django_capture_on_commit_callbacks
):
    mission()
    booking = booked_case(day=day)
    api = session_client(movement_officer)

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(send_url(booking), {}, format="json")
    again = api.post(send_url(booking), {}, format="json")

    assert sent.status_code == 201
    assert (sent.json()["booking"], sent.json()["sequence"]) == (booking.pk, 1)
    assert BookingNotice.objects.get().status == NoticeStatus.SENT
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert again.json()["error"]["existing"]["id"] == sent.json()["id"]
    assert BookingNotice.objects.count() == 1 and len(mail.outbox) == 1


def test_the_api_keeps_the_pages_rules(movement_officer, day):
    booking = booked_case(day=day)
    cancelled = booked_case(day=day, status=BookingStatus.CANCELLED)
    api = session_client(movement_officer)

    no_mission = api.post(send_url(booking), {}, format="json")
    mission()
    not_open = api.post(send_url(cancelled), {}, format="json")
    unknown = api.post(send_url(booking), {"to": "x@example.org"}, format="json")
    absent = api.post("/api/v1/movements/bookings/2000000000/notice/", {}, format="json")

    assert no_mission.status_code == 400
    assert no_mission.json()["error"]["code"] == "no_mission_contact"
    assert not_open.status_code == 409
    assert not_open.json()["error"]["code"] == "booking_not_open"
    assert unknown.status_code == 400
    assert absent.status_code == 404
    assert not BookingNotice.objects.exists()


def test_a_failed_notice_is_re_sent_through_the_api_and_only_a_failed_one(
    movement_officer, day, django_capture_on_commit_callbacks
):
    mission()
    booking = booked_case(day=day)
    notice = notices.notice_send(actor=movement_officer, booking=booking)
    api = session_client(movement_officer)

    not_failed = api.post(resend_url(notice), {}, format="json")
    BookingNotice.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, attempts=6)
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(resend_url(notice), {}, format="json")

    assert not_failed.status_code == 409
    assert not_failed.json()["error"]["code"] == "not_failed"
    assert resent.status_code == 200
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.MANAGER, Role.CLINICIAN, Role.ORIENTATION_FACILITATOR]
)
def test_every_other_role_is_refused_sending_and_nothing_changes(role, day):
    mission()
    booking = booked_case(day=day)
    failed = BookingNotice.objects.create(
        booking=booking,
        sequence=1,
        kind="original",
        status=NoticeStatus.FAILED,
        recipient="abn@usmission.example",
        subject="s",
        body="b",
    )
    api = session_client(user_with_role(role, username=f"u_{role}"))

    send = api.post(send_url(booking), {}, format="json")
    resend = api.post(resend_url(failed), {}, format="json")

    assert send.status_code in (403, 404) and resend.status_code in (403, 404)
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.FAILED
    assert BookingNotice.objects.count() == 1


def test_a_mission_token_cannot_send_or_re_send(day):
    mission()
    booking = booked_case(day=day)
    api = bearer_client(mission_partner(), "movements:read movements:write")

    send = api.post(send_url(booking), {}, format="json")

    assert send.status_code == 403
    assert not BookingNotice.objects.exists()


@override_settings(LANGUAGE_CODE="en")
def test_the_notice_operations_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert paths["/api/v1/movements/bookings/{id}/notice/"]["post"]["operationId"] == (
        "movements_bookings_notice_send"
    )
    resend = paths["/api/v1/movements/notices/{id}/resend/"]["post"]
    assert {"200", "409"} <= set(resend["responses"])
    assert Booking.objects.count() == 0
