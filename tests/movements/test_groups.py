"""Travel groups: the cases on one flight, their escorts, and the manifest as a page, a PDF
and a CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.choices import EventKind
from medical.models import HealthAssessment
from movements.bookings import services as booking_services
from movements.choices import BookingStatus, EscortKind, EscortRole
from movements.groups import selectors as group_selectors
from movements.groups import services as groups
from movements.models import Escort, TravelGroup
from tests.movements.booked import booked_case

OFFICERS = ["movement_officer", "administrator"]
OTHERS = ["clinician", "facilitator", "partner"]


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def group(movement_officer, day):
    return groups.travel_group_create(actor=movement_officer, name="KQ 479 group", flight_date=day)


def test_two_households_on_one_flight_make_a_group_with_its_totals(movement_officer, group, day):
    first, second = booked_case(day=day, children=2), booked_case(day=day, children=0)
    for booking in (first, second):
        groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)

    manifest = group_selectors.travel_group_manifest(group)

    assert (manifest.total, manifest.case_count) == (4, 2)
    assert dict(manifest.by_sex)["Female"] == 2
    assert dict(manifest.by_sex)["Male"] == 2
    bands = dict(manifest.by_age_band)
    assert (bands["airline child (2-11)"], bands["airline adult (12 and over)"]) == (2, 2)
    principal = next(r for r in manifest.rows if r.case_number == first.case.case_number)
    assert principal.age == 35
    assert principal.documents == [f"Passport PC{first.case.pk:07d} (COD)"]
    assert any("Wheelchair" in r.needs for r in manifest.rows)
    assert first.case.events.filter(kind=EventKind.MOVEMENT).exists()


def test_travel_conditions_of_the_clearance_are_on_the_manifest(movement_officer, group, day):
    booking = booked_case(day=day, children=0)
    person = booking.case.members.get()
    HealthAssessment.objects.create(
        individual=person,
        programme=booking.case.programme,
        outcome="cleared_with_conditions",
        outcome_on=timezone.localdate(),
        valid_until=day + datetime.timedelta(days=30),
        conditions=["oxygen", "medical_escort"],
    )
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)

    row = group_selectors.travel_group_manifest(group).rows[0]

    assert row.needs == ["Oxygen during flight", "Medical escort"]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"day_offset": 1}, "other_day"),
        ({"flight": "RW 102"}, "other_flight"),
        ({"status": BookingStatus.CANCELLED}, "booking_not_open"),
    ],
)
def test_a_booking_that_does_not_fit_the_group_is_refused(
    movement_officer, group, day, setup, code
):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    odd = booked_case(
        day=day + datetime.timedelta(days=setup.get("day_offset", 0)),
        flight=setup.get("flight", "KQ 479"),
        status=setup.get("status", BookingStatus.TICKETED),
    )

    with pytest.raises(Exception) as refused:
        groups.travel_group_add_booking(actor=movement_officer, group=group, booking=odd)

    assert refused.value.code == code
    odd.refresh_from_db()
    assert odd.travel_group_id is None


def test_a_case_in_one_group_cannot_join_another(movement_officer, group, day):
    booking = booked_case(day=day)
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)
    other = groups.travel_group_create(actor=movement_officer, name="Second", flight_date=day)

    with pytest.raises(Exception) as refused:
        groups.travel_group_add_booking(actor=movement_officer, group=other, booking=booking)

    assert refused.value.code == "in_another_group"
    booking.refresh_from_db()
    assert booking.travel_group_id == group.pk


def test_two_groups_of_one_name_on_one_day_are_refused(movement_officer, group, day):
    with pytest.raises(Exception) as refused:
        groups.travel_group_create(actor=movement_officer, name="KQ 479 group", flight_date=day)

    assert refused.value.field == "name"
    assert TravelGroup.objects.count() == 1


@pytest.mark.parametrize("role", OFFICERS)
def test_officers_build_a_group_on_the_pages(client, db, request, role, day):
    booking = booked_case(day=day)
    client.force_login(request.getfixturevalue(role))

    created = client.post(
        reverse("movements:group_list"), {"name": "Monday flight", "flight_date": day.isoformat()}
    )
    group = TravelGroup.objects.get()
    added = client.post(
        reverse("movements:group_add_booking", args=[group.pk]), {"booking": booking.pk}
    )
    escort = client.post(
        reverse("movements:group_add_escort", args=[group.pk]),
        {"name": "Jeanne Uwase", "kind": EscortKind.STAFF, "role": EscortRole.MEDICAL},
    )

    assert (created.status_code, added.status_code, escort.status_code) == (302, 302, 302)
    booking.refresh_from_db()
    assert booking.travel_group_id == group.pk
    assert Escort.objects.get().travel_group_id == group.pk
    page = client.get(reverse("movements:group_detail", args=[group.pk])).content.decode()
    assert booking.case.case_number in page
    assert "Jeanne Uwase" in page


def test_a_refused_booking_shows_why_on_the_group_page(client, movement_officer, group, day):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    odd = booked_case(day=day, flight="RW 102")
    client.force_login(movement_officer)

    response = client.post(
        reverse("movements:group_add_booking", args=[group.pk]), {"booking": odd.pk}
    )

    assert response.status_code == 400
    assert "this group flies on KQ 479" in response.content.decode()
    odd.refresh_from_db()
    assert odd.travel_group_id is None


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_may_not_see_or_build_groups(client, request, role, group, day):
    booking = booked_case(day=day)
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("movements:group_list")).status_code == 403
    assert client.get(reverse("movements:manifest_pdf", args=[group.pk])).status_code == 403
    response = client.post(
        reverse("movements:group_add_booking", args=[group.pk]), {"booking": booking.pk}
    )
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.travel_group_id is None


@pytest.mark.parametrize("role", ["manager", "caseworker"])
def test_managers_and_caseworkers_read_the_group_but_may_not_change_it(
    client, request, role, group, day
):
    booking = booked_case(day=day)
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("movements:group_detail", args=[group.pk])).status_code == 200
    response = client.post(
        reverse("movements:group_add_booking", args=[group.pk]), {"booking": booking.pk}
    )
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.travel_group_id is None


@pytest.fixture
def full_group(movement_officer, group, day):
    for children in (2, 1):
        groups.travel_group_add_booking(
            actor=movement_officer, group=group, booking=booked_case(day=day, children=children)
        )
    booking_services.escort_assign(
        actor=movement_officer,
        travel_group=group,
        name="Jean Habimana",
        kind=EscortKind.HIRED,
        role=EscortRole.OPERATIONAL,
    )
    return group


def test_the_manifest_pdf_opens_and_shows_the_travellers(client, movement_officer, full_group):
    client.force_login(movement_officer)

    response = client.get(reverse("movements:manifest_pdf", args=[full_group.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for booking in full_group.bookings.all():
        assert booking.case.case_number in text
        for person in booking.case.members.all():
            assert person.family_name.upper() in text
    assert "Jean Habimana" in text
    assert "5 travellers" in text


def test_the_manifest_csv_has_one_row_per_traveller(client, movement_officer, full_group):
    client.force_login(movement_officer)

    response = client.get(reverse("movements:manifest_csv", args=[full_group.pk]))

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5
    people = {p.pk: p for b in full_group.bookings.all() for p in b.case.members.all()}
    assert {r["Family name (as in the document)"] for r in rows} == {
        p.family_name.upper() for p in people.values()
    }
    assert sorted(r["Sex"] for r in rows) == ["F", "F", "M", "M", "M"]
    assert any(r["Special needs and travel conditions"] == "Wheelchair" for r in rows)
    assert all(r["Ticket"].startswith("706") for r in rows)


def test_a_name_starting_like_a_formula_is_not_a_formula_in_the_csv(
    client, movement_officer, group, day
):
    booking = booked_case(day=day, children=0)
    booking.case.members.update(family_name="=HYPERLINK(1)")
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)
    client.force_login(movement_officer)

    response = client.get(reverse("movements:manifest_csv", args=[group.pk]))

    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["Family name (as in the document)"] == "'=HYPERLINK(1)"


def test_the_pdf_fetcher_serves_only_local_static_files():
    from movements.groups.manifest_files import static_only_fetcher

    fetcher = static_only_fetcher()

    assert b"@page" in fetcher.fetch("static:/css/manifest.css").read()
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "static:/../config/settings/base.py",
        "static:/no/such/file.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_printable_manifest_and_the_group_list_take_fixed_queries(
    client, movement_officer, group, day, django_assert_num_queries
):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    client.force_login(movement_officer)
    manifest_url = reverse("movements:manifest", args=[group.pk])
    list_url = reverse("movements:group_list")
    client.get(manifest_url)
    with django_assert_num_queries(QUERIES_FOR_MANIFEST):
        client.get(manifest_url)
    with django_assert_num_queries(QUERIES_FOR_GROUP_LIST):
        client.get(list_url)

    for n in range(3):
        groups.travel_group_add_booking(
            actor=movement_officer, group=group, booking=booked_case(day=day, children=2)
        )
        groups.travel_group_create(actor=movement_officer, name=f"Other {n}", flight_date=day)
    with django_assert_num_queries(QUERIES_FOR_MANIFEST):
        response = client.get(manifest_url)
    assert response.context["manifest"].total == 11
    with django_assert_num_queries(QUERIES_FOR_GROUP_LIST):
        response = client.get(list_url)
    assert len(response.context["page"].object_list) == 4


# Login session and roles (3), group, bookings, travellers, documents, segments, escorts,
# clearances, group escorts.
QUERIES_FOR_MANIFEST = 11
# Login session and roles (3), count, page.
QUERIES_FOR_GROUP_LIST = 5


def test_the_manifest_gives_flight_times_on_each_airports_clock(
    client, movement_officer, group, day
):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    client.force_login(movement_officer)

    html = client.get(reverse("movements:manifest", args=[group.pk])).content.decode()

    assert f"KQ 479 KGL {day.isoformat()} 09:30 (Africa/Kigali)" in html
    assert "(America/New_York)" in html


def test_the_group_page_takes_the_same_queries_for_more_cases(
    client, movement_officer, group, day, django_assert_num_queries
):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    client.force_login(movement_officer)
    url = reverse("movements:group_detail", args=[group.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_FOR_GROUP_PAGE):
        client.get(url)
    for _ in range(3):
        groups.travel_group_add_booking(
            actor=movement_officer, group=group, booking=booked_case(day=day, children=2)
        )
    with django_assert_num_queries(QUERIES_FOR_GROUP_PAGE):
        response = client.get(url)
    assert response.context["manifest"].total == 11


# Login session and roles (3), group, the manifest's 7, the cases, their notices, the
# bookings that could join.
QUERIES_FOR_GROUP_PAGE = 14
