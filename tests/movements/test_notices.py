"""Advance booking notices: written from the booking and its group, sent by the worker with
retries, each try recorded, failed after the last and sent again; acknowledged through the API
or the e-mail's link (expires, works once); an amended notice says what changed."""

import datetime
import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from cases.models import Country, PartnerProfile
from config.celery import app as celery_app
from core.errors import ApplicationError
from movements.bookings import services as booking_services
from movements.choices import EscortKind, EscortRole, NoticeKind, NoticeStatus
from movements.groups import services as groups
from movements.models import BookingNotice, NoticeAttempt
from movements.notices import services as notices
from movements.tasks import deliver_booking_notice
from tests.api_clients import bearer_client, session_client
from tests.movements.booked import booked_case, mission

FAILING_BACKEND = "tests.movements.test_notices.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that never answers."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def booking(movement_officer, day):
    mission()
    booking = booked_case(day=day, children=2)
    group = groups.travel_group_create(actor=movement_officer, name="KQ 479", flight_date=day)
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)
    booking_services.escort_assign(
        actor=movement_officer,
        travel_group=group,
        name="Jeanne Uwase",
        kind=EscortKind.STAFF,
        role=EscortRole.MEDICAL,
    )
    return booking


def send(actor, booking, capture):
    with capture(execute=True):
        return notices.notice_send(actor=actor, booking=booking)


def link_in(message) -> str:
    return re.search(r"http://\S+/movements/notices/ack/(\S+)/", message.body).group(1)


def test_an_officer_sends_the_notice_and_the_worker_mails_it(
    client, movement_officer, booking, django_capture_on_commit_callbacks
):
    client.force_login(movement_officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("movements:notice_send", args=[booking.pk]))

    notice = BookingNotice.objects.get()
    assert response.status_code == 302
    assert (notice.status, notice.attempts, notice.kind) == (
        NoticeStatus.SENT,
        1,
        NoticeKind.ORIGINAL,
    )
    assert NoticeAttempt.objects.get().ok is True
    [message] = mail.outbox
    assert message.to == ["abn@usmission.example"]
    case = booking.case
    assert case.case_number in message.subject
    for person in case.members.all():
        assert person.family_name.upper() in message.body
    assert "Female; age 35" in message.body
    assert "Male; age 4" in message.body
    assert "KQ 479" in message.body
    assert "Arrival: JFK at" in message.body and "(America/New_York)" in message.body
    assert "needs: Wheelchair" in message.body
    assert "Jeanne Uwase: Medical, Staff" in message.body
    assert "/movements/notices/ack/" in message.body
    actions = [e.data.get("action") for e in case.events.order_by("id")]
    assert actions[-2:] == ["notice_queued", "notice_sent"]


def test_the_notice_page_shows_the_text_and_the_tries(
    client, movement_officer, manager, booking, django_capture_on_commit_callbacks
):
    notice = send(movement_officer, booking, django_capture_on_commit_callbacks)
    client.force_login(manager)

    page = client.get(reverse("movements:notice_detail", args=[notice.pk])).content.decode()

    assert booking.case.case_number in page
    assert "Jeanne Uwase" in page
    assert "Send again" not in page


def test_the_worker_task_sends_a_queued_notice_once(movement_officer, booking):
    notice = notices.notice_send(actor=movement_officer, booking=booking)  # not committed: queued

    assert deliver_booking_notice.apply(args=[notice.pk]).get() == "sent"
    assert deliver_booking_notice.apply(args=[notice.pk]).get() == "nothing to do"

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert len(mail.outbox) == 1
    assert NoticeAttempt.objects.count() == 1


def test_a_mission_that_never_answers_fails_after_the_retries_and_nothing_is_lost(
    client, settings, movement_officer, booking
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.NOTICE_SEND_RETRIES = 3
    settings.NOTICE_RETRY_SECONDS = 30
    notice = notices.notice_send(actor=movement_officer, booking=booking)
    body = notice.body
    waits = []
    real_retry = deliver_booking_notice.retry

    def recording_retry(*args, **kwargs):
        waits.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    # The worker's own retries, run in this process: each retry is applied at once (its
    # countdown recorded, not waited for); errors are not re-raised, as in a worker.
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        with mock.patch.object(deliver_booking_notice, "retry", recording_retry):
            result = deliver_booking_notice.apply(args=[notice.pk]).get()
    finally:
        celery_app.conf.task_eager_propagates = propagates

    notice.refresh_from_db()
    assert result == "failed"
    assert waits == [30, 60, 120]
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 4)
    assert notice.body == body
    attempts = list(NoticeAttempt.objects.filter(notice=notice))
    assert len(attempts) == 4 and not any(a.ok for a in attempts)
    assert "SMTPServerDisconnected" in attempts[0].error
    assert booking.case.events.latest("id").data["action"] == "notice_failed"
    client.force_login(movement_officer)
    listed = client.get(reverse("movements:notice_list")).content.decode()
    assert "Failed" in listed and booking.case.case_number in listed
    assert (
        "Send again"
        in client.get(reverse("movements:notice_detail", args=[notice.pk])).content.decode()
    )


def test_a_failed_notice_is_sent_again(
    client, settings, movement_officer, booking, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.NOTICE_SEND_RETRIES = 0
    notice = send(movement_officer, booking, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(movement_officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("movements:notice_resend", args=[notice.pk]))

    notice.refresh_from_db()
    assert response.status_code == 302
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)
    assert NoticeAttempt.objects.filter(notice=notice).count() == 2
    assert len(mail.outbox) == 1


def test_a_notice_sent_is_not_made_twice_and_a_sent_one_is_not_resent(
    movement_officer, booking, django_capture_on_commit_callbacks
):
    notice = send(movement_officer, booking, django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError) as twice:
        notices.notice_send(actor=movement_officer, booking=booking)
    with pytest.raises(notices.NoticeRefused) as resend:
        notices.notice_resend(actor=movement_officer, notice=notice)

    assert (twice.value.code, resend.value.code) == ("duplicate", "not_failed")
    assert BookingNotice.objects.count() == 1


def test_no_mission_address_is_a_clear_refusal(client, movement_officer, day):
    booking = booked_case(day=day, country="CAN")
    client.force_login(movement_officer)

    response = client.post(reverse("movements:notice_send", args=[booking.pk]), follow=True)

    assert "No mission address is recorded for Canada" in response.content.decode()
    assert not BookingNotice.objects.exists()


@pytest.mark.parametrize("role", ["caseworker", "clinician", "facilitator", "manager", "partner"])
def test_other_roles_may_not_send_notices(client, request, role, booking):
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("movements:notice_send", args=[booking.pk]))

    assert response.status_code == 403
    assert not BookingNotice.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "facilitator", "partner"])
def test_other_roles_may_not_read_notices_on_the_pages(client, request, role, booking):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("movements:notice_list")).status_code == 403


def test_a_change_of_booking_sends_an_amended_notice_saying_what_changed(
    movement_officer, booking, django_capture_on_commit_callbacks
):
    assert notices.notice_booking_changed(booking, {"flight date": ("a", "b")}) is None
    send(movement_officer, booking, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        amended = notices.notice_booking_changed(
            booking, {"flight": ("KQ 479 on 10 Dec", "KQ 479 on 11 Dec")}, actor=movement_officer
        )

    amended.refresh_from_db()
    assert (amended.kind, amended.sequence, amended.status) == (
        NoticeKind.AMENDED,
        2,
        NoticeStatus.SENT,
    )
    message = mail.outbox[-1]
    assert message.subject.startswith("AMENDED advance booking notification #2")
    assert "What changed:\n  - flight: KQ 479 on 10 Dec -> KQ 479 on 11 Dec" in message.body


# --- The acknowledgement link -----------------------------------------------------------------


@pytest.fixture
def sent(movement_officer, booking, django_capture_on_commit_callbacks):
    send(movement_officer, booking, django_capture_on_commit_callbacks)
    return BookingNotice.objects.get(), link_in(mail.outbox[0])


def test_the_mission_acknowledges_by_the_link_once(client, sent):
    notice, token = sent
    url = reverse("movements:notice_ack_link", args=[token])

    shown = client.get(url)
    notice.refresh_from_db()
    assert shown.status_code == 200 and notice.status == NoticeStatus.SENT  # a look changes nothing

    done = client.post(url, {"acknowledged_by": "Consular officer, US Embassy"})
    again = client.post(url, {"acknowledged_by": "Someone else"})

    notice.refresh_from_db()
    assert done.status_code == 200
    assert "Thank you" in done.content.decode()
    assert (notice.status, notice.acknowledged_by) == (
        NoticeStatus.ACKNOWLEDGED,
        "Consular officer, US Embassy",
    )
    assert again.status_code == 409
    assert "already used" in again.content.decode()
    assert notice.booking.case.events.latest("id").data["via"] == "link"


def test_an_expired_link_changes_nothing_and_says_so(client, sent):
    notice, token = sent
    BookingNotice.objects.filter(pk=notice.pk).update(
        token_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    url = reverse("movements:notice_ack_link", args=[token])

    shown = client.get(url)
    response = client.post(url, {"acknowledged_by": "Late"})

    notice.refresh_from_db()
    assert shown.status_code == response.status_code == 409
    assert "expired" in response.content.decode()
    assert notice.status == NoticeStatus.SENT and notice.acknowledged_at is None


def test_a_forged_link_is_refused(client, sent):
    notice, token = sent

    response = client.post(
        reverse("movements:notice_ack_link", args=[token[:-3] + "abc"]), {"acknowledged_by": "x"}
    )

    notice.refresh_from_db()
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert notice.status == NoticeStatus.SENT


# --- The API ----------------------------------------------------------------------------------


def mission_partner(partner, iso):
    PartnerProfile.objects.create(
        user=partner, organisation=f"{iso} mission", country=Country.objects.get(iso_code=iso)
    )
    return partner


def ack_url(notice):
    return f"/api/v1/movements/notices/{notice.pk}/acknowledge/"


def test_the_mission_acknowledges_through_the_api(partner, sent):
    notice, _token = sent
    client = bearer_client(mission_partner(partner, "USA"), "movements:read movements:write")

    listed = client.get("/api/v1/movements/notices/")
    response = client.post(ack_url(notice), {"acknowledged_by": "ABN desk"}, format="json")
    again = client.post(ack_url(notice), {}, format="json")

    assert [n["id"] for n in listed.json()["results"]] == [notice.pk]
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "ABN desk"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_acknowledged"


def test_another_countrys_mission_gets_404_and_nothing_changes(partner, sent):
    notice, _token = sent
    client = bearer_client(mission_partner(partner, "CAN"), "movements:read movements:write")

    assert client.get(f"/api/v1/movements/notices/{notice.pk}/").status_code == 404
    assert client.post(ack_url(notice), {}, format="json").status_code == 404
    assert client.get("/api/v1/movements/notices/").json()["results"] == []
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_a_token_without_movements_write_may_not_acknowledge(partner, sent):
    notice, _token = sent
    client = bearer_client(mission_partner(partner, "USA"), "movements:read")

    response = client.post(ack_url(notice), {}, format="json")

    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_a_partner_tied_to_no_country_sees_no_notice(partner, sent):
    notice, _token = sent

    response = bearer_client(partner, "movements:read movements:write").post(
        ack_url(notice), {}, format="json"
    )

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


@pytest.mark.parametrize("role", ["clinician", "facilitator"])
def test_other_staff_may_not_read_notices_in_the_api(request, role, sent):
    response = session_client(request.getfixturevalue(role)).get("/api/v1/movements/notices/")

    assert response.status_code == 403


def test_a_queued_notice_cannot_be_acknowledged(partner, movement_officer, booking):
    notice = notices.notice_send(actor=movement_officer, booking=booking)
    client = bearer_client(mission_partner(partner, "USA"), "movements:write")

    response = client.post(ack_url(notice), {}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_sent"


# --- Files, queries, schema ---------------------------------------------------------------------


def test_without_a_mail_server_notices_are_written_to_a_folder(
    settings, tmp_path, movement_officer, booking
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    notice = notices.notice_send(actor=movement_officer, booking=booking)

    deliver_booking_notice.apply(args=[notice.pk])

    [written] = list(tmp_path.iterdir())
    assert booking.case.case_number in written.read_text()


def test_the_notice_list_and_the_api_list_take_fixed_queries(
    client, movement_officer, day, django_assert_num_queries
):
    mission()
    for _ in range(2):
        notices.notice_send(actor=movement_officer, booking=booked_case(day=day))
    client.force_login(movement_officer)
    api = session_client(movement_officer)
    client.get(reverse("movements:notice_list"))
    with django_assert_num_queries(QUERIES_FOR_NOTICE_LIST):
        client.get(reverse("movements:notice_list"))
    with django_assert_num_queries(QUERIES_FOR_API_LIST):
        api.get("/api/v1/movements/notices/")
    for _ in range(3):
        notices.notice_send(actor=movement_officer, booking=booked_case(day=day))
    with django_assert_num_queries(QUERIES_FOR_NOTICE_LIST):
        response = client.get(reverse("movements:notice_list"))
    assert len(response.context["notices"]) == 5
    with django_assert_num_queries(QUERIES_FOR_API_LIST):
        assert api.get("/api/v1/movements/notices/").json()["count"] == 5


# Login session and roles (3), count, page.
QUERIES_FOR_NOTICE_LIST = 5
QUERIES_FOR_API_LIST = 5


def test_the_notice_endpoints_are_in_the_openapi_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert "get" in paths["/api/v1/movements/notices/"]
    assert "get" in paths["/api/v1/movements/notices/{id}/"]
    ack = paths["/api/v1/movements/notices/{id}/acknowledge/"]["post"]
    assert ack["operationId"] == "movements_notices_acknowledge"
    assert "409" in ack["responses"]


def test_a_notice_whose_task_was_lost_is_queued_again_by_the_sweep(
    movement_officer, booking, day, django_capture_on_commit_callbacks
):
    from movements.tasks import requeue_stale_booking_notices

    lost = notices.notice_send(actor=movement_officer, booking=booking)  # its task never ran
    fresh = notices.notice_send(actor=movement_officer, booking=booked_case(day=day))
    BookingNotice.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - notices.stale_after() - datetime.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_booking_notices.apply().get() == 1

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == NoticeStatus.SENT
    assert fresh.status == NoticeStatus.QUEUED
    assert [m.to for m in mail.outbox] == [["abn@usmission.example"]]


def test_the_sweep_runs_every_quarter_of_an_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-stale-booking-notices"]

    assert entry["task"] == "movements.tasks.requeue_stale_booking_notices"
    assert entry["schedule"] == 15 * 60


def test_the_booking_services_send_an_amended_notice_when_the_mission_was_told(
    movement_officer, booking, django_capture_on_commit_callbacks
):
    from movements.bookings import services

    services.booking_update(actor=movement_officer, booking=booking, booking_reference="early")
    assert not BookingNotice.objects.exists()  # not told yet: the original will carry it
    send(movement_officer, booking, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_update(actor=movement_officer, booking=booking, booking_reference="nw7k2")
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(actor=movement_officer, booking=booking, reason="Family withdrew")

    amended = list(BookingNotice.objects.filter(kind=NoticeKind.AMENDED).order_by("sequence"))
    assert [n.sequence for n in amended] == [2, 3]
    assert amended[0].what_changed == "booking reference: EARLY -> NW7K2"
    # The mission is told that the booking is cancelled, never the officer's free-text reason.
    assert amended[1].what_changed == "booking: cancelled"
    assert [n.status for n in amended] == [NoticeStatus.SENT, NoticeStatus.SENT]
    assert "What changed:\n  - booking: cancelled" in mail.outbox[-1].body
    assert "Family withdrew" not in mail.outbox[-1].body


def test_a_change_that_changes_nothing_sends_nothing(
    movement_officer, booking, django_capture_on_commit_callbacks
):
    from movements.bookings import services

    send(movement_officer, booking, django_capture_on_commit_callbacks)

    services.booking_update(
        actor=movement_officer, booking=booking, booking_reference=booking.booking_reference
    )

    assert BookingNotice.objects.count() == 1


def test_a_failed_notice_is_announced_on_the_readiness_board(
    client, settings, movement_officer, booking, django_capture_on_commit_callbacks
):
    client.force_login(movement_officer)
    assert "could not be sent" not in client.get(reverse("movements:board")).content.decode()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.NOTICE_SEND_RETRIES = 0

    send(movement_officer, booking, django_capture_on_commit_callbacks)

    board = client.get(reverse("movements:board")).content.decode()
    assert "1 booking notice could not be sent after its last try" in board
    assert reverse("movements:notice_list") + "?status=failed" in board


@pytest.mark.parametrize("name", ["Consul\x00", "x" * 20_000])
def test_a_bad_name_on_the_acknowledgement_link_is_refused_and_the_link_still_works(
    client, sent, name
):
    notice, token = sent
    url = reverse("movements:notice_ack_link", args=[token])
    client.raise_request_exception = False

    refused = client.post(url, {"acknowledged_by": name})

    notice.refresh_from_db()
    if "\x00" in name:
        assert refused.status_code == 400
        assert notice.status == NoticeStatus.SENT and notice.token_used_at is None
        done = client.post(url, {"acknowledged_by": "Consul"})
        notice.refresh_from_db()
        assert done.status_code == 200 and notice.acknowledged_by == "Consul"
    else:  # a long name is cut to what the record holds
        assert refused.status_code == 200
        assert notice.acknowledged_by == "x" * 150
