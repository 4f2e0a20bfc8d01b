"""Airports, not time zones: the officer types IATA codes, the zone comes from the airport
dataset (`airportsdata`), shown for confirmation, overridable only to a canonical zone; an unknown
code and a zone that is a folder or an alias are refused on their field, at every door."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from movements.airports import canonical_zones, flight_label, resolve_airport
from movements.models import Booking, FlightSegment
from tests.api_clients import session_client
from tests.movements.conftest import TODAY, days, ready_case
from tests.movements.test_api import BOOKINGS, booking_body
from tests.movements.test_pages import booking_post


def test_the_zone_comes_from_the_airport_code():
    assert resolve_airport(code="kgl", code_field="a", zone_field="z")[:2] == (
        "KGL",
        "Africa/Kigali",
    )
    assert resolve_airport(code="JFK", code_field="a", zone_field="z")[1] == "America/New_York"
    # A canonical zone given instead is kept.
    assert resolve_airport(code="BRU", zone="Europe/Paris", code_field="a", zone_field="z")[1] == (
        "Europe/Paris"
    )


@pytest.mark.parametrize("zone", ["Europe", "US/Eastern", "Asia/Calcutta", "Mars/Olympus"])
def test_a_zone_that_is_a_folder_or_an_alias_is_refused_on_its_field(zone):
    with pytest.raises(ApplicationError) as refused:
        resolve_airport(code="BRU", zone=zone, code_field="a", zone_field="z")
    assert (refused.value.field, refused.value.code) == ("z", "unknown_zone")
    assert "Europe/Brussels" in str(refused.value.message)


@pytest.mark.parametrize("code", ["QQQ", "K1L", "KG"])
def test_an_unknown_code_is_refused_on_its_field(code):
    with pytest.raises(ApplicationError) as refused:
        resolve_airport(code=code, code_field="a", zone_field="z")
    assert refused.value.field == "a"


def test_the_canonical_zones_leave_out_folders_and_aliases():
    zones = canonical_zones()
    assert {"Africa/Kigali", "Europe/Brussels", "UTC"} <= zones
    assert not {"Europe", "US/Eastern", "Asia/Calcutta", "Etc/GMT+3"} & zones
    assert len(zones) < 450


def test_the_carrier_is_not_repeated_when_typed_in_the_number():
    assert flight_label("ET", "ET812") == "ET812"
    assert flight_label("ET", "812") == "ET 812"
    assert flight_label("Brussels Airlines", "SN466") == "Brussels Airlines SN466"


def _without_zones(body):
    for segment in body["segments"]:
        segment.pop("from_timezone")
        segment.pop("to_timezone")
    return body


def test_the_api_books_with_the_airports_own_zones(movement_officer):
    case = ready_case(adults=1)
    client = session_client(movement_officer)
    answer = client.post(
        BOOKINGS, _without_zones(booking_body(case, TODAY() + days(15))), format="json"
    )
    assert answer.status_code == 201, answer.content
    zones = [(s["from_timezone"], s["to_timezone"]) for s in answer.json()["segments"]]
    assert zones == [("Africa/Kigali", "Asia/Qatar"), ("Asia/Qatar", "America/New_York")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from_timezone": "Europe"}, "segments[0].from_timezone"),
        ({"to_timezone": "US/Eastern"}, "segments[0].to_timezone"),
        ({"from_airport": "QQQ"}, "segments[0].from_airport"),
    ],
)
def test_the_api_refuses_on_the_field(movement_officer, change, field):
    case = ready_case(adults=1)
    body = booking_body(case, TODAY() + days(15))
    body["segments"][0].update(change)
    answer = session_client(movement_officer).post(BOOKINGS, body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["field"] == field
    assert not Booking.objects.exists()


def test_the_page_shows_the_airports_found_and_books_with_their_zones(client, movement_officer):
    case = ready_case(adults=1)
    client.force_login(movement_officer)
    url = reverse("movements:book", args=[case.pk])
    data = booking_post(case, TODAY() + days(21))
    data["s1_from_timezone"] = data["s1_to_timezone"] = ""

    shown = client.post(url, {**data, "check_airports": "1"})
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "Kigali International Airport" in text and "Africa/Kigali" in text
    assert "Europe/Brussels" in text
    assert not Booking.objects.exists()

    assert client.post(url, data).status_code == 302
    segment = FlightSegment.objects.get()
    assert (segment.from_timezone, segment.to_timezone) == ("Africa/Kigali", "Europe/Brussels")


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"s1_from_timezone": "Europe"}, "Select a valid choice"),
        ({"s1_to_timezone": "US/Eastern"}, "Select a valid choice"),
        ({"s1_to_airport": "QQQ"}, "QQQ is not the IATA code of any airport"),
    ],
)
def test_the_page_refuses_on_the_field(client, movement_officer, change, shown):
    case = ready_case(adults=1)
    client.force_login(movement_officer)
    data = {**booking_post(case, TODAY() + days(21)), **change}
    answer = client.post(reverse("movements:book", args=[case.pk]), data)
    assert answer.status_code == 400
    assert shown in answer.content.decode()
    assert not Booking.objects.exists()
