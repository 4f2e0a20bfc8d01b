"""The movements API: the same rules as the pages (one service), roles and scopes both ways, a
mission bound to its own country, fixed query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import CaseStatus
from cases.models import Country, PartnerProfile
from movements.models import Booking, Departure
from tests.api_clients import bearer_client, session_client
from tests.movements.conftest import (
    TODAY,
    book,
    days,
    fit_checks,
    ready_case,
    today_flight,
)

S = CaseStatus
BOOKINGS = "/api/v1/movements/bookings/"


def booking_body(case, day, **extra):
    return {
        "case": case.pk,
        "booking_reference": "QR1234",
        "segments": [
            {
                "carrier": "Qatar Airways",
                "flight_number": "QR1356",
                "from_airport": "KGL",
                "to_airport": "DOH",
                "departs_at": f"{day.isoformat()}T17:00:00",
                "from_timezone": "Africa/Kigali",
                "arrives_at": f"{day.isoformat()}T23:55:00",
                "to_timezone": "Asia/Qatar",
            },
            {
                "carrier": "Qatar Airways",
                "flight_number": "QR701",
                "from_airport": "DOH",
                "to_airport": "JFK",
                "departs_at": f"{(day + datetime.timedelta(days=1)).isoformat()}T08:00:00",
                "from_timezone": "Asia/Qatar",
                "arrives_at": f"{(day + datetime.timedelta(days=1)).isoformat()}T15:00:00",
                "to_timezone": "America/New_York",
            },
        ],
        "travellers": [{"individual": m.pk} for m in case.members.all()],
        **extra,
    }


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    if field:
        assert body["field"] == field, body
    return body


def test_a_movement_officer_books_through_the_api(movement_officer):
    case = ready_case(adults=2)
    day = TODAY() + days(15)

    response = session_client(movement_officer).post(
        BOOKINGS, booking_body(case, day), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["departure_date"] == day.isoformat()
    assert [s["flight_number"] for s in body["segments"]] == ["QR1356", "QR701"]
    assert body["segments"][1]["arrives_local"].startswith(
        f"{(day + datetime.timedelta(days=1)).isoformat()}T15:00:00"
    )
    assert len(body["travellers"]) == 2
    case.refresh_from_db()
    assert case.status == S.BOOKED


def test_api_refusals_name_the_field_or_every_reason_and_write_nothing(movement_officer):
    case = ready_case(adults=2)
    client = session_client(movement_officer)
    day = TODAY() + days(15)

    left_out = booking_body(case, day)
    left_out["travellers"] = left_out["travellers"][:1]
    assert_error(client.post(BOOKINGS, left_out, format="json"), 400, "travellers")

    backwards = booking_body(case, day)
    backwards["segments"][0]["arrives_at"] = f"{day.isoformat()}T10:00:00"
    assert_error(client.post(BOOKINGS, backwards, format="json"), 400, "segments[0].arrives_at")

    past = booking_body(case, TODAY() - days(2))
    body = assert_error(client.post(BOOKINGS, past, format="json"), 409)
    assert any("in the past" in r for r in body["reasons"])

    unknown = booking_body(case, day, status="flown")
    assert_error(client.post(BOOKINGS, unknown, format="json"), 400, "status")

    assert not Booking.objects.exists()
    case.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL


@pytest.mark.parametrize(
    "role", ["caseworker", "clinician", "manager", "orientation_facilitator", "partner_system"]
)
def test_other_roles_cannot_book_and_nothing_changes(all_roles, role):
    case = ready_case(adults=1)
    response = session_client(all_roles[role]).post(
        BOOKINGS, booking_body(case, TODAY() + days(15)), format="json"
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_departure_and_arrival_through_the_api(movement_officer, noon):
    case = ready_case(adults=1)
    booking = book(case, movement_officer, day=TODAY(), segments=today_flight())
    client = session_client(movement_officer)
    url = f"{BOOKINGS}{booking.pk}/"

    refused = assert_error(client.post(f"{url}departure/", {}, format="json"), 409)
    assert any("pre-embarkation" in r for r in refused["reasons"])
    assert not Departure.objects.exists()

    fit_checks(case)
    assert client.post(f"{url}departure/", {}, format="json").status_code == 201
    noon.shift(datetime.timedelta(hours=10))  # landed at 20:00 in Brussels
    client = session_client(movement_officer)  # the session of noon has expired
    early = {"arrived_on": (TODAY() - days(1)).isoformat(), "airport": "BRU"}
    assert_error(
        client.post(f"{url}arrival/", {**early, "receiving_agency": "Fedasil"}, format="json"),
        400,
        "arrived_on",
    )
    arrived = client.post(
        f"{url}arrival/",
        {"arrived_on": TODAY().isoformat(), "airport": "BRU", "receiving_agency": "Fedasil"},
        format="json",
    )
    assert arrived.status_code == 201
    assert arrived.json()["arrival"]["receiving_agency"] == "Fedasil"
    case.refresh_from_db()
    assert case.status == S.ARRIVED


def test_cancel_tickets_escorts_and_transit_through_the_api(movement_officer):
    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    person = case.members.get()
    client = session_client(movement_officer)
    url = f"{BOOKINGS}{booking.pk}/"

    ticketed = client.patch(
        url, {"tickets": {str(person.pk): "0821234567890"}, "status": "ticketed"}, format="json"
    )
    assert ticketed.status_code == 200, ticketed.content
    assert ticketed.json()["travellers"][0]["ticket_number"] == "0821234567890"
    escort = client.post(
        f"{url}escorts/", {"kind": "hired", "role": "medical", "name": "Nurse"}, format="json"
    )
    assert escort.status_code == 201
    stay = client.post(f"{url}transit-stays/", {}, format="json")
    assert stay.status_code == 201
    out = client.post(
        f"/api/v1/movements/transit-stays/{stay.json()['id']}/check-out/", {}, format="json"
    )
    assert out.status_code == 200 and out.json()["checked_out_at"]
    assert_error(client.post(f"{url}cancel/", {}, format="json"), 400, "reason")
    cancelled = client.post(f"{url}cancel/", {"reason": "Visa delayed"}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    case.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL


def test_a_mission_reads_only_its_own_countrys_bookings(partner, movement_officer):
    PartnerProfile.objects.create(
        user=partner, organisation="US mission", country=Country.objects.get(iso_code="USA")
    )
    own = book(ready_case(adults=1), movement_officer)
    other = book(
        ready_case(adults=1, destination_country=Country.objects.get(iso_code="CAN")),
        movement_officer,
    )
    client = bearer_client(partner, "movements:read")

    listed = client.get(BOOKINGS)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert client.get(f"{BOOKINGS}{own.pk}/").status_code == 200
    assert_error(client.get(f"{BOOKINGS}{other.pk}/"), 404)


def test_a_mission_cannot_write_bookings_or_read_without_the_scope(partner, movement_officer):
    PartnerProfile.objects.create(
        user=partner, organisation="US mission", country=Country.objects.get(iso_code="USA")
    )
    case = ready_case(adults=1)
    booking = book(case, movement_officer)
    assert bearer_client(partner, "cases:read").get(BOOKINGS).status_code == 403
    writer = bearer_client(partner, "movements:read movements:write")
    refused = writer.post(
        f"{BOOKINGS}{booking.pk}/cancel/", {"reason": "mission says no"}, format="json"
    )
    assert refused.status_code == 403
    booking.refresh_from_db()
    assert booking.status == "booked"
    assert writer.get(f"/api/v1/movements/cases/{case.pk}/readiness/").status_code == 403


def test_readiness_and_board_in_the_api(movement_officer):
    case = ready_case(adults=1)
    client = session_client(movement_officer)

    ready = client.get(
        f"/api/v1/movements/cases/{case.pk}/readiness/",
        {"date": (TODAY() + days(10)).isoformat()},
    )
    assert ready.status_code == 200
    assert ready.json()["can_book"] is True
    assert ready.json()["window"]["opens"] == TODAY().isoformat()
    past = client.get(
        f"/api/v1/movements/cases/{case.pk}/readiness/",
        {"date": (TODAY() - days(10)).isoformat()},
    ).json()
    assert past["can_book"] is False and past["reasons"]
    board = client.get("/api/v1/movements/board/", {"section": "ready"})
    assert [row["case"] for row in board.json()] == [case.pk]
    assert_error(client.get("/api/v1/movements/board/", {"section": "nope"}), 400, "section")


def test_the_booking_list_takes_a_fixed_number_of_queries(movement_officer):
    client = session_client(movement_officer)
    book(ready_case(adults=1), movement_officer)
    client.get(BOOKINGS)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(BOOKINGS).json()["results"]) == 1
    for _ in range(4):
        book(ready_case(adults=3), movement_officer)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(BOOKINGS).json()["results"]) == 5
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_movements_endpoints_are_in_the_openapi_schema(client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/movements/bookings/",
        "/api/v1/movements/bookings/{id}/departure/",
        "/api/v1/movements/bookings/{id}/no-show/",
        "/api/v1/movements/bookings/{id}/arrival/",
        "/api/v1/movements/cases/{id}/readiness/",
        "/api/v1/movements/board/",
        "/api/v1/movements/transit-stays/",
    ):
        assert path in schema, path
