"""Each write form of /movements/ filled in well but for one field, which holds something an
outside tester sends: a form error or a refusal, never a server error, and nothing half-written."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from movements.groups import services as groups
from movements.models import Booking
from tests.movements.booked import booked_case
from tests.movements.conftest import TODAY, days, ready_case
from tests.movements.test_pages import booking_post

EXTREMES = [
    "",
    "a\x00b",
    "-1",
    "99999999999999999999999",
    "0000-00-00",
    "9999-99-99",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "x" * 20_000,
    "Not/AZone",
]


def each_field_bad(body: dict):
    for field in body:
        for value in EXTREMES:
            yield field, {**body, field: value}


def post_in_savepoint(client, url, body) -> int:
    """POST, then undo what it wrote, so every body meets the same records."""
    with transaction.atomic():
        code = client.post(url, body).status_code
        transaction.set_rollback(True)
    return code


def walk(client, url, body) -> list[str]:
    assert post_in_savepoint(client, url, body) in (200, 302, 400), "the baseline body is bad"
    failures = []
    for field, bad in each_field_bad(body):
        code = post_in_savepoint(client, url, bad)
        if code >= 500:
            failures.append(f"{url} {field}={bad[field][:30]!r}: {code}")
    return failures


@pytest.fixture
def officer_client(client, movement_officer):
    client.raise_request_exception = False
    client.force_login(movement_officer)
    return client


def test_the_booking_form(officer_client):
    case = ready_case(adults=2)
    body = booking_post(case, TODAY() + days(21))
    failures = walk(officer_client, reverse("movements:book", args=[case.pk]), body)
    assert not failures, "\n".join(failures)


def test_the_forms_of_a_booking_page(officer_client, movement_officer):
    booking = booked_case(day=TODAY() + days(3))
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    pk = booking.pk
    forms = {
        "movements:booking_tickets": {
            "booking_reference": "ABC",
            "status": "ticketed",
            **{f"ticket_{t.individual_id}": "0820000000001" for t in booking.travellers.all()},
        },
        "movements:booking_cancel": {"reason": "Family withdrew"},
        "movements:departure": {"departed_at": now, "notes": ""},
        "movements:arrival": {
            "arrived_on": TODAY().isoformat(),
            "airport": "JFK",
            "receiving_agency": "IRC",
        },
        "movements:escort_add": {"name": "A B", "kind": "staff", "role": "medical"},
        "movements:check_in": {"centre": "Kigali", "checked_in_at": now},
    }
    failures = []
    for name, body in forms.items():
        failures += walk(officer_client, reverse(name, args=[pk]), body)
    assert not failures, "\n".join(failures)


def test_the_travel_group_forms(officer_client, movement_officer):
    day = TODAY() + days(10)
    booking = booked_case(day=day)
    group = groups.travel_group_create(actor=movement_officer, name="G", flight_date=day)
    failures = walk(
        officer_client,
        reverse("movements:group_list"),
        {"name": "Monday flight", "flight_date": day.isoformat(), "notes": ""},
    )
    failures += walk(
        officer_client,
        reverse("movements:group_add_booking", args=[group.pk]),
        {"booking": booking.pk},
    )
    failures += walk(
        officer_client,
        reverse("movements:group_add_escort", args=[group.pk]),
        {"name": "Jeanne", "kind": "staff", "role": "medical", "contact": ""},
    )
    assert not failures, "\n".join(failures)


def test_the_acknowledgement_link_with_a_bad_name(client):
    for value in EXTREMES:
        url = reverse("movements:notice_ack_link", args=["x" + value.replace("/", "")[:50] or "x"])
        assert client.post(url, {"acknowledged_by": value}).status_code < 500


@pytest.mark.parametrize(
    ("field", "value", "zone"),
    [
        ("s1_departs_at", "0001-01-01T00:00", "Africa/Kigali"),
        ("s1_arrives_at", "9999-12-31T23:59", "America/New_York"),
    ],
)
def test_a_flight_time_off_the_calendar_is_a_field_error_and_nothing_is_booked(
    client, movement_officer, field, value, zone
):
    case = ready_case(adults=1)
    client.force_login(movement_officer)
    body = {**booking_post(case, TODAY() + days(21)), field: value, "s1_to_timezone": zone}
    page = client.post(reverse("movements:book", args=[case.pk]), body)
    assert page.status_code == 400
    assert page.context["form"].errors[field]
    assert not Booking.objects.filter(case=case).exists()
