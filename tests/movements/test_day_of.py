"""The day of the flight: departure and arrival tied to the flight's own times, who boarded, the
no-show, overdue bookings and unacknowledged notices flagged, a past transit check-in recorded
after the fact, a traveller's own ticket reused on their rebooking. Each rule at the service,
the page and the API, the refusal named and nothing changed."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import CaseEvent
from core.errors import ApplicationError, NotPermitted
from movements.bookings import selectors, services
from movements.choices import BookingStatus, NoticeKind, NoticeStatus
from movements.models import Arrival, Booking, BookingNotice, Departure, TransitStay, Traveller
from reports.tables import Period, departures_base
from tests.api_clients import session_client
from tests.movements.conftest import (
    TODAY,
    boarded,
    book,
    days,
    everyone,
    fit_checks,
    ready_case,
    segment,
    today_flight,
)

S = CaseStatus
BOOKINGS = "/api/v1/movements/bookings/"


@pytest.fixture(autouse=True)
def _at_noon(noon):
    return noon


def booked_today(actor, *, adults=2, **kwargs):
    case = ready_case(adults=adults)
    booking = book(case, actor, day=TODAY(), segments=today_flight(**kwargs))
    fit_checks(case)
    return case, booking


def still_booked(case, booking):
    case.refresh_from_db()
    booking.refresh_from_db()
    assert case.status == S.BOOKED
    assert booking.status == BookingStatus.BOOKED
    assert not Departure.objects.filter(booking=booking).exists()
    assert not booking.travellers.exclude(boarded=None).exists()


def kigali(hour, minute=0, day=None):
    return timezone.make_aware(
        datetime.datetime.combine(day or TODAY(), datetime.time(hour, minute))
    )


# --- Departure tied to the flight -----------------------------------------------------------


def test_a_departure_before_the_check_in_window_is_refused_with_local_times(movement_officer):
    case, booking = booked_today(movement_officer, dep=18, arr=23)  # check-in opens at 14:00

    with pytest.raises(ApplicationError) as refused:
        services.departure_record(actor=movement_officer, booking=booking)
    assert refused.value.field == "departed_at"
    assert refused.value.code == "before_check_in"
    message = str(refused.value.message)
    assert f"{TODAY().isoformat()} 14:00 (Africa/Kigali)" in message
    assert "T14:00" not in message and "+02:00" not in message
    still_booked(case, booking)


def test_a_departure_in_the_future_is_refused(movement_officer):
    case, booking = booked_today(movement_officer)
    with pytest.raises(ApplicationError) as refused:
        services.departure_record(
            actor=movement_officer,
            booking=booking,
            departed_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert (refused.value.field, refused.value.code) == ("departed_at", "future")
    assert "still to come" in str(refused.value.message)
    still_booked(case, booking)


def test_a_departure_on_another_day_than_the_flight_is_refused(movement_officer, noon):
    case = ready_case(adults=1)
    booking = book(case, movement_officer, day=TODAY(), segments=today_flight())
    fit_checks(case, on=TODAY())
    noon.move_to(kigali(12, day=TODAY() + days(2)))
    with pytest.raises(ApplicationError) as refused:
        services.departure_record(
            actor=movement_officer, booking=booking, departed_at=timezone.now()
        )
    assert (refused.value.field, refused.value.code) == ("departed_at", "not_flight_day")
    assert "13:00 (Africa/Kigali)" in str(refused.value.message)
    assert not Departure.objects.exists()


def test_the_departure_records_who_boarded_and_families_travel_together(movement_officer):
    case, booking = booked_today(movement_officer)
    first, second = case.members.order_by("pk")

    with pytest.raises(ApplicationError) as refused:
        services.departure_record(actor=movement_officer, booking=booking, boarded=[first.pk])
    assert (refused.value.field, refused.value.code) == ("boarded", "member_not_boarded")
    assert second.full_name in str(refused.value.message)
    still_booked(case, booking)

    services.departure_record(
        actor=movement_officer, booking=booking, boarded=[first.pk, second.pk]
    )
    assert set(booking.travellers.values_list("boarded", flat=True)) == {True}
    case.refresh_from_db()
    assert case.status == S.DEPARTED


def test_the_departure_refusals_are_on_the_page_s_field_and_the_api_s(client, movement_officer):
    case, booking = booked_today(movement_officer, dep=18, arr=23)
    client.force_login(movement_officer)
    url = reverse("movements:departure", args=[booking.pk])
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    page = client.post(url, {"departed_at": now, **boarded(case)})
    assert page.status_code == 400
    text = page.content.decode()
    assert "14:00 (Africa/Kigali)" in text
    assert 'aria-invalid="true"' in text or "errorlist" in text
    still_booked(case, booking)

    api = session_client(movement_officer).post(
        f"{BOOKINGS}{booking.pk}/departure/", {}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["error"]["field"] == "departed_at"
    assert "14:00 (Africa/Kigali)" in api.json()["error"]["message"]
    still_booked(case, booking)

    # One member left unticked on the page: refused, naming her.
    first, second = case.members.order_by("pk")
    boxes = boarded(case)
    boxes.pop(f"boarded_{second.pk}")
    client.post(url, {"departed_at": now, **boxes})  # still before check-in
    api = session_client(movement_officer).post(
        f"{BOOKINGS}{booking.pk}/departure/", {"boarded": [first.pk]}, format="json"
    )
    assert api.status_code == 400


def test_the_departure_field_defaults_to_the_flight_s_time_not_midnight(
    client, movement_officer, noon
):
    _case, booking = booked_today(movement_officer, dep=9, arr=14)  # a 09:30-like morning flight
    client.force_login(movement_officer)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert f'value="{TODAY().isoformat()}T09:00"' in page
    assert f'value="{TODAY().isoformat()}T00:00"' not in page


# --- Arrival tied to the landing --------------------------------------------------------------


def test_an_arrival_before_the_flight_lands_is_refused_on_its_field(movement_officer, noon):
    case, booking = booked_today(movement_officer)
    services.departure_record(actor=movement_officer, booking=booking)

    with pytest.raises(ApplicationError) as refused:
        services.arrival_record(
            actor=movement_officer,
            booking=booking,
            arrived_on=TODAY(),
            airport="BRU",
            receiving_agency="Fedasil",
        )
    assert (refused.value.field, refused.value.code) == ("arrived_on", "not_landed")
    assert f"{TODAY().isoformat()} 20:00 (Europe/Brussels)" in str(refused.value.message)

    api = session_client(movement_officer).post(
        f"{BOOKINGS}{booking.pk}/arrival/",
        {"arrived_on": TODAY().isoformat(), "airport": "BRU", "receiving_agency": "Fedasil"},
        format="json",
    )
    assert api.status_code == 400
    assert api.json()["error"]["field"] == "arrived_on"

    noon.shift(datetime.timedelta(hours=10))
    with pytest.raises(ApplicationError) as refused:  # tomorrow has not come in Brussels
        services.arrival_record(
            actor=movement_officer,
            booking=booking,
            arrived_on=TODAY() + days(1),
            airport="BRU",
            receiving_agency="Fedasil",
        )
    assert (refused.value.field, refused.value.code) == ("arrived_on", "future")
    case.refresh_from_db()
    assert case.status == S.DEPARTED
    assert not Arrival.objects.exists()


def test_an_arrival_dated_before_the_landing_day_is_refused(movement_officer, noon):
    today = TODAY()
    case = ready_case(adults=1)
    booking = book(
        case, movement_officer, day=TODAY(), segments=[segment(TODAY(), dep=13, arr=6)]
    )  # lands tomorrow 06:00 in Brussels
    fit_checks(case)
    services.departure_record(actor=movement_officer, booking=booking)
    noon.shift(datetime.timedelta(hours=24))
    with pytest.raises(ApplicationError) as refused:
        services.arrival_record(
            actor=movement_officer,
            booking=booking,
            arrived_on=today,
            airport="BRU",
            receiving_agency="Fedasil",
        )
    assert (refused.value.field, refused.value.code) == ("arrived_on", "before_landing")
    case.refresh_from_db()
    assert case.status == S.DEPARTED


# --- No-show ----------------------------------------------------------------------------------


def _departures_counted(year):
    sql, params = departures_base(Period(year, year))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) x WHERE imported_id IS NULL", params)
        return cursor.fetchone()[0]


def test_a_no_show_sends_the_household_back_to_ready_counted_nowhere(movement_officer):
    case, booking = booked_today(movement_officer)

    services.no_show_record(actor=movement_officer, booking=booking, reason="Child fell ill")

    case.refresh_from_db()
    booking.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL
    assert booking.status == BookingStatus.CANCELLED and booking.no_show
    assert "Child fell ill" in booking.cancelled_reason
    assert set(booking.travellers.values_list("boarded", flat=True)) == {False}
    event = case.events.get(transition="no_show")
    assert (event.from_status, event.to_status) == (S.BOOKED, S.READY_TO_TRAVEL)
    assert "Child fell ill" in event.reason
    assert not Departure.objects.exists()
    assert _departures_counted(TODAY().year) == 0
    assert not selectors.day_of_alerts().overdue

    # Booked again: their own ticket numbers may come back.
    again = book(case, movement_officer, day=TODAY() + days(7))
    assert again.status == BookingStatus.BOOKED


def test_a_no_show_is_refused_before_check_in_without_reason_or_for_other_roles(
    movement_officer, caseworker
):
    case, booking = booked_today(movement_officer, dep=18, arr=23)
    with pytest.raises(ApplicationError) as refused:
        services.no_show_record(actor=movement_officer, booking=booking, reason="Absent")
    assert refused.value.code == "before_check_in"
    with pytest.raises(ApplicationError) as refused:
        services.no_show_record(actor=movement_officer, booking=booking, reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(NotPermitted):
        services.no_show_record(actor=caseworker, booking=booking, reason="Absent")
    still_booked(case, booking)
    assert not CaseEvent.objects.filter(case=case, transition="no_show").exists()


def test_a_no_show_on_the_page_and_through_the_api(client, movement_officer, caseworker):
    case, booking = booked_today(movement_officer)
    url = reverse("movements:no_show", args=[booking.pk])

    client.force_login(caseworker)
    assert client.post(url, {"reason": "Absent"}).status_code == 403
    api = session_client(caseworker).post(
        f"{BOOKINGS}{booking.pk}/no-show/", {"reason": "Absent"}, format="json"
    )
    assert api.status_code in (403, 404)
    still_booked(case, booking)

    client.force_login(movement_officer)
    assert client.post(url, {"reason": ""}).status_code == 400
    still_booked(case, booking)
    done = client.post(url, {"reason": "Did not come to the airport"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Did not board (no-show)" in page

    _other, second = booked_today(movement_officer)
    api = session_client(movement_officer).post(
        f"{BOOKINGS}{second.pk}/no-show/", {"reason": "Absent"}, format="json"
    )
    assert api.status_code == 200, api.content
    assert api.json()["no_show"] is True
    refused = session_client(movement_officer).post(
        f"{BOOKINGS}{second.pk}/no-show/", {"reason": "Absent"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "booking"


# --- Overdue bookings and unacknowledged notices ----------------------------------------------


def test_overdue_bookings_and_unacknowledged_notices_are_flagged(
    client, movement_officer, manager, noon
):
    late_case = ready_case(adults=1)
    late = book(late_case, movement_officer, day=TODAY() + days(1))
    soon_case = ready_case(adults=1)
    soon = book(soon_case, movement_officer, day=TODAY() + days(2))
    BookingNotice.objects.create(
        booking=soon,
        sequence=1,
        kind=NoticeKind.ORIGINAL,
        status=NoticeStatus.SENT,
        recipient="abn@mission.example",
        subject="Notice",
        body="Notice",
        sent_at=timezone.now(),
    )
    far = book(ready_case(adults=1), movement_officer, day=TODAY() + days(30))
    BookingNotice.objects.create(
        booking=far,
        sequence=1,
        kind=NoticeKind.ORIGINAL,
        status=NoticeStatus.SENT,
        recipient="abn@mission.example",
        subject="Notice",
        body="Notice",
    )
    noon.move_to(kigali(12, day=TODAY() + days(2)))  # the late flight's day has passed

    alerts = selectors.day_of_alerts()
    assert [b.pk for b in alerts.overdue] == [late.pk]
    assert [n.booking_id for n in alerts.unacknowledged] == [soon.pk]

    client.force_login(movement_officer)
    board = client.get(reverse("movements:board")).content.decode()
    assert "overdue" in board and late_case.case_number in board
    assert "not acknowledged" in board and soon_case.case_number in board
    client.force_login(manager)
    dashboard = client.get(reverse("reports:dashboard")).content.decode()
    assert "overdue" in dashboard and late_case.case_number in dashboard
    assert "not acknowledged" in dashboard

    BookingNotice.objects.filter(booking=soon).update(
        status=NoticeStatus.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    assert not selectors.day_of_alerts().unacknowledged


def test_the_alerts_cost_two_queries_whatever_the_rows(
    movement_officer, noon, django_assert_num_queries
):
    for _ in range(3):
        book(ready_case(adults=1), movement_officer, day=TODAY() + days(1))
    noon.move_to(kigali(12, day=TODAY() + days(3)))
    with django_assert_num_queries(2):
        alerts = selectors.day_of_alerts()
        assert len(alerts.overdue) == 3


# --- Transit check-in after the fact (issue 19) -----------------------------------------------


def test_a_past_check_in_is_recorded_after_the_fact_at_every_door(client, movement_officer):
    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    yesterday = timezone.now() - days(1)

    with pytest.raises(ApplicationError) as refused:
        services.transit_check_in(actor=movement_officer, case=case, checked_in_at=yesterday)
    assert (refused.value.field, refused.value.code) == ("checked_in_at", "past")
    assert "recorded after the fact" in str(refused.value.message)

    api = session_client(movement_officer)
    answer = api.post(
        f"{BOOKINGS}{booking.pk}/transit-stays/",
        {"checked_in_at": yesterday.isoformat()},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "checked_in_at"

    client.force_login(movement_officer)
    form = {
        "centre": "Kigali transit centre",
        "checked_in_at": timezone.localtime(yesterday).strftime("%Y-%m-%dT%H:%M"),
    }
    page = client.post(reverse("movements:check_in", args=[booking.pk]), form)
    assert page.status_code == 400
    assert "recorded after the fact" in page.content.decode()
    assert not TransitStay.objects.exists()

    page = client.post(
        reverse("movements:check_in", args=[booking.pk]), {**form, "recorded_after_the_fact": "on"}
    )
    assert page.status_code == 302
    stay = TransitStay.objects.get()
    assert stay.recorded_after_the_fact


def test_a_past_check_in_through_the_api_with_the_flag(movement_officer):
    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    answer = session_client(movement_officer).post(
        f"{BOOKINGS}{booking.pk}/transit-stays/",
        {"checked_in_at": (timezone.now() - days(1)).isoformat(), "recorded_after_the_fact": True},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["recorded_after_the_fact"] is True


# --- Ticket numbers on a rebooking (issue 14, item 3) -----------------------------------------


def test_a_traveller_s_own_ticket_is_reused_on_the_rebooking(movement_officer):
    case = ready_case(adults=2)
    tickets = everyone(case, tickets=True)
    first = book(case, movement_officer, travellers=tickets)
    services.booking_cancel(actor=movement_officer, booking=first, reason="Flight withdrawn")

    second = book(case, movement_officer, day=TODAY() + days(25), travellers=tickets)

    numbers = {t["ticket_number"] for t in tickets}
    assert set(second.travellers.values_list("ticket_number", flat=True)) == numbers
    assert not Traveller.objects.filter(booking=first).exclude(ticket_number="").exists()


def test_someone_else_s_ticket_is_refused_naming_the_number(client, movement_officer):
    holder = ready_case(adults=1)
    book(holder, movement_officer, travellers=everyone(holder, tickets=True))
    taken = Traveller.objects.get(booking__case=holder).ticket_number
    case = ready_case(adults=1)
    person = case.members.get()

    with pytest.raises(ApplicationError) as refused:
        book(case, movement_officer, travellers=[{"individual": person.pk, "ticket_number": taken}])
    assert refused.value.code == "ticket_in_use"
    assert refused.value.field == "travellers[0].ticket_number"
    assert taken in str(refused.value.message)
    assert not Booking.objects.filter(case=case).exists()

    booking = book(case, movement_officer)
    api = session_client(movement_officer).patch(
        f"{BOOKINGS}{booking.pk}/", {"tickets": {str(person.pk): taken}}, format="json"
    )
    assert api.status_code == 400, api.content
    assert taken in api.json()["error"]["message"]
    assert api.json()["error"]["field"] == "tickets"

    client.force_login(movement_officer)
    page = client.post(
        reverse("movements:booking_tickets", args=[booking.pk]),
        {"booking_reference": "ABC123", "status": "booked", f"ticket_{person.pk}": taken},
    )
    assert page.status_code == 400
    assert taken in page.content.decode()
    assert not booking.travellers.exclude(ticket_number="").exists()
