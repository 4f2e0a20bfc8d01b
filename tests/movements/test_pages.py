"""The movement officers' pages: who may open and write them, what they show, their queries."""

import datetime
import html

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus
from medical.models import HealthAssessment
from movements.bookings import services
from movements.bookings.selectors import travel_window
from movements.choices import BookingStatus
from movements.models import Booking, Departure
from tests.movements.conftest import (
    TODAY,
    boarded,
    book,
    days,
    fit_checks,
    ready_case,
    today_flight,
)

S = CaseStatus


def booking_post(case, day, *, leave_out=None, arr_hour="06:00"):
    data = {
        "booking_reference": "xyz789",
        "status": "booked",
        "s1_carrier": "RwandAir",
        "s1_flight_number": "WB700",
        "s1_from_airport": "KGL",
        "s1_to_airport": "BRU",
        "s1_departs_at": f"{day.isoformat()}T22:00",
        "s1_from_timezone": "Africa/Kigali",
        "s1_arrives_at": f"{(day + datetime.timedelta(days=1)).isoformat()}T{arr_hour}",
        "s1_to_timezone": "Europe/Brussels",
    }
    for member in case.members.all():
        if member.pk != leave_out:
            data[f"travels_{member.pk}"] = "on"
        data[f"ticket_{member.pk}"] = ""
    return data


@pytest.mark.parametrize("role", ["movement_officer", "administrator", "manager"])
def test_the_board_opens_for_movement_staff(db, client, role, request):
    ready = ready_case(adults=1)
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("movements:board"))
    assert page.status_code == 200
    assert ready.case_number in page.content.decode()


@pytest.mark.parametrize("role", ["clinician", "facilitator", "partner"])
def test_other_roles_cannot_open_the_movement_pages(db, client, role, request):
    case = ready_case(adults=1)
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("movements:board"),
        reverse("movements:bookings"),
        reverse("movements:transit"),
        reverse("movements:escorts"),
        reverse("movements:book", args=[case.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_the_board_query_count_does_not_grow_with_its_rows(client, movement_officer):
    client.force_login(movement_officer)
    ready_case(adults=1)
    client.get(reverse("movements:board"))  # warm the session and the reference lists

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("movements:board"))
    for _ in range(4):
        book(ready_case(adults=2), movement_officer)
        ready_case(adults=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("movements:board"))
    assert page.content.decode().count("/movements/cases/") >= 5
    assert len(many.captured_queries) == len(one.captured_queries)


def test_booking_on_the_page_books_the_whole_case(client, movement_officer):
    case = ready_case(adults=2)
    client.force_login(movement_officer)
    day = TODAY() + days(21)
    form = client.get(reverse("movements:book", args=[case.pk]))
    assert form.status_code == 200
    assert "can be booked" in form.content.decode()

    response = client.post(reverse("movements:book", args=[case.pk]), booking_post(case, day))

    booking = Booking.objects.get(case=case)
    assert response.status_code == 302 and response.url == booking.get_absolute_url()
    assert (booking.departure_date, booking.booking_reference) == (day, "XYZ789")
    assert booking.travellers.count() == 2
    case.refresh_from_db()
    assert case.status == S.BOOKED
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert day.isoformat() in case_page and "WB700" in case_page


def test_a_booking_leaving_a_member_out_is_refused_on_the_page(client, movement_officer):
    case = ready_case(adults=2)
    left_out = case.members.last()
    client.force_login(movement_officer)

    response = client.post(
        reverse("movements:book", args=[case.pk]),
        booking_post(case, TODAY() + days(21), leave_out=left_out.pk),
    )

    assert response.status_code == 400
    assert left_out.full_name in response.content.decode()
    assert not Booking.objects.exists()


def test_a_flight_landing_before_take_off_shows_on_its_field(client, movement_officer):
    case = ready_case(adults=1)
    client.force_login(movement_officer)
    data = booking_post(case, TODAY() + days(21))
    data["s1_arrives_at"] = f"{(TODAY() + days(21)).isoformat()}T10:00"

    response = client.post(reverse("movements:book", args=[case.pk]), data)

    assert response.status_code == 400
    assert "lands" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_caseworker_reads_a_booking_but_cannot_record_the_departure(
    client, caseworker, movement_officer, noon
):
    case = ready_case(adults=1)
    booking = book(case, movement_officer, day=TODAY(), segments=today_flight())
    fit_checks(case)
    client.force_login(caseworker)
    assert client.get(booking.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("movements:departure", args=[booking.pk]),
        {"departed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **boarded(case)},
    )
    assert response.status_code == 403
    assert not Departure.objects.exists()


def test_departure_and_arrival_on_the_booking_page(client, movement_officer, noon):
    case = ready_case(adults=1)
    booking = book(case, movement_officer, day=TODAY(), segments=today_flight())
    client.force_login(movement_officer)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    refused = client.post(
        reverse("movements:departure", args=[booking.pk]), {"departed_at": now, **boarded(case)}
    )
    assert refused.status_code == 400
    assert "No pre-embarkation check between" in refused.content.decode()

    fit_checks(case)

    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    done = client.post(
        reverse("movements:departure", args=[booking.pk]), {"departed_at": now, **boarded(case)}
    )
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.FLOWN
    noon.shift(datetime.timedelta(hours=10))  # landed at 20:00 in Brussels
    client.force_login(movement_officer)  # the session of noon has expired

    early = client.post(
        reverse("movements:arrival", args=[booking.pk]),
        {
            "arrived_on": (TODAY() - days(1)).isoformat(),
            "airport": "BRU",
            "receiving_agency": "Fedasil",
        },
    )
    assert early.status_code == 400
    assert "cannot be before the departure" in early.content.decode()
    arrived = client.post(
        reverse("movements:arrival", args=[booking.pk]),
        {"arrived_on": TODAY().isoformat(), "airport": "BRU", "receiving_agency": "Fedasil"},
    )
    assert arrived.status_code == 302
    case.refresh_from_db()
    assert case.status == S.ARRIVED


def test_the_booking_list_query_count_is_fixed(client, movement_officer):
    client.force_login(movement_officer)
    book(ready_case(adults=1), movement_officer)

    client.get(reverse("movements:bookings"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("movements:bookings"))
    for _ in range(4):
        book(ready_case(adults=2), movement_officer)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("movements:bookings"))
    assert page.content.decode().count("SN466") == 5
    assert len(many.captured_queries) == len(one.captured_queries)


def test_transit_and_escorts_pages(client, movement_officer):

    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    client.force_login(movement_officer)
    checked_in = client.post(
        reverse("movements:check_in", args=[booking.pk]), {"centre": "Kigali transit centre"}
    )
    assert checked_in.status_code == 302
    page = client.get(reverse("movements:transit")).content.decode()
    assert case.case_number in page
    services.escort_assign(
        actor=movement_officer, booking=booking, kind="staff", role="medical", name="Dr. Ange"
    )
    assert "Dr. Ange" in client.get(reverse("movements:escorts")).content.decode()
    stay = case.transit_stays.get()
    out = client.post(reverse("movements:check_out", args=[stay.pk]))
    assert out.status_code == 302
    stay.refresh_from_db()
    assert stay.checked_out_at is not None


def test_the_case_list_and_the_case_page_show_the_same_window(client, caseworker):
    case = ready_case(adults=2)
    first = case.members.first()
    HealthAssessment.objects.filter(individual=first).update(valid_until=TODAY() + days(33))
    client.force_login(caseworker)
    words = travel_window(case).summary
    assert (TODAY() + days(33)).isoformat() in words and first.full_name in words

    listed = client.get(reverse("cases:list")).content.decode()
    page = client.get(case.get_absolute_url()).content.decode()

    assert html.escape(words) in listed
    assert html.escape(words) in page


def test_the_window_on_the_case_list_costs_one_query_whatever_the_rows(client, caseworker):
    client.force_login(caseworker)
    ready_case(adults=1)
    client.get(reverse("cases:list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases:list"))
    for _ in range(4):
        ready_case(adults=2)
    with CaptureQueriesContext(connection) as many:
        listed = client.get(reverse("cases:list")).content.decode()
    assert listed.count("can fly between") == 5
    assert len(many.captured_queries) == len(one.captured_queries)


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_the_movement_pages_work_in_every_language(client, movement_officer, language):
    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    client.force_login(movement_officer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    for url in (
        reverse("movements:board"),
        reverse("movements:bookings"),
        booking.get_absolute_url(),
        reverse("movements:transit"),
        reverse("movements:escorts"),
        case.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, (language, url)
        assert response.headers["Content-Language"] == language
