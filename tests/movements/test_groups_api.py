"""Travel groups through the API: movement staff read the manifest, officers build groups,
partner systems stay out; the same services and refusals as the pages."""

import datetime

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from movements.groups import services as groups
from movements.models import Escort, TravelGroup
from tests.api_clients import bearer_client, session_client
from tests.movements.booked import booked_case

LIST = "/api/v1/movements/travel-groups/"


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def group(movement_officer, day):
    return groups.travel_group_create(actor=movement_officer, name="KQ 479", flight_date=day)


def test_an_officer_builds_a_group_and_reads_its_manifest(movement_officer, day):
    booking = booked_case(day=day, children=2)
    client = session_client(movement_officer)

    created = client.post(LIST, {"name": "Tuesday", "flight_date": day.isoformat()}, format="json")
    group_id = created.json()["group"]["id"]
    added = client.post(f"{LIST}{group_id}/bookings/", {"booking": booking.pk}, format="json")
    escorted = client.post(
        f"{LIST}{group_id}/escorts/",
        {"name": "Jean Habimana", "kind": "hired", "role": "operational"},
        format="json",
    )

    assert (created.status_code, added.status_code, escorted.status_code) == (201, 200, 200)
    manifest = escorted.json()
    assert (manifest["total"], manifest["case_count"]) == (3, 1)
    assert {r["case_number"] for r in manifest["travellers"]} == {booking.case.case_number}
    assert {"label": "Female", "count": 1} in manifest["by_sex"]
    assert manifest["escorts"][0]["name"] == "Jean Habimana"
    assert Escort.objects.get().travel_group_id == group_id


def test_a_booking_on_another_flight_is_refused_naming_the_field(movement_officer, group, day):
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    odd = booked_case(day=day, flight="RW 102")

    response = session_client(movement_officer).post(
        f"{LIST}{group.pk}/bookings/", {"booking": odd.pk}, format="json"
    )

    assert response.status_code == 400
    assert (response.json()["error"]["field"], response.json()["error"]["code"]) == (
        "booking",
        "other_flight",
    )
    odd.refresh_from_db()
    assert odd.travel_group_id is None


def test_a_case_is_taken_out_through_the_api(movement_officer, group, day):
    booking = booked_case(day=day)
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)

    response = session_client(movement_officer).delete(f"{LIST}{group.pk}/bookings/{booking.pk}/")

    assert response.status_code == 200
    assert response.json()["total"] == 0
    booking.refresh_from_db()
    assert booking.travel_group_id is None


@pytest.mark.parametrize("role", ["manager", "caseworker"])
def test_readers_read_but_do_not_build(request, role, group, day):
    booking = booked_case(day=day)
    client = session_client(request.getfixturevalue(role))

    assert client.get(f"{LIST}{group.pk}/").status_code == 200
    refused = client.post(f"{LIST}{group.pk}/bookings/", {"booking": booking.pk}, format="json")
    assert refused.status_code == 403
    assert (
        client.post(LIST, {"name": "X", "flight_date": day.isoformat()}, format="json").status_code
        == 403
    )
    booking.refresh_from_db()
    assert booking.travel_group_id is None
    assert TravelGroup.objects.count() == 1


@pytest.mark.parametrize("role", ["clinician", "facilitator", "partner"])
def test_other_roles_may_not_read_groups(request, role, group):
    assert session_client(request.getfixturevalue(role)).get(LIST).status_code == 403


def test_partner_tokens_may_not_use_the_groups_api(partner, group):
    client = bearer_client(partner, "movements:read movements:write")

    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{group.pk}/").status_code == 403


def test_a_missing_group_is_404(movement_officer):
    assert session_client(movement_officer).get(f"{LIST}999999/").status_code == 404


def test_the_group_list_and_manifest_take_fixed_queries(
    movement_officer, group, day, django_assert_num_queries
):
    client = session_client(movement_officer)
    groups.travel_group_add_booking(
        actor=movement_officer, group=group, booking=booked_case(day=day)
    )
    client.get(LIST)
    with django_assert_num_queries(QUERIES_FOR_LIST):
        client.get(LIST)
    with django_assert_num_queries(QUERIES_FOR_MANIFEST):
        client.get(f"{LIST}{group.pk}/")
    for n in range(3):
        groups.travel_group_add_booking(
            actor=movement_officer, group=group, booking=booked_case(day=day, children=2)
        )
        groups.travel_group_create(actor=movement_officer, name=f"G{n}", flight_date=day)
    with django_assert_num_queries(QUERIES_FOR_LIST):
        assert client.get(LIST).json()["count"] == 4
    with django_assert_num_queries(QUERIES_FOR_MANIFEST):
        assert client.get(f"{LIST}{group.pk}/").json()["total"] == 11


# Login session and roles (3), count, page.
QUERIES_FOR_LIST = 5
# Login session and roles (3), group, then the manifest's 7.
QUERIES_FOR_MANIFEST = 11


def test_the_travel_group_endpoints_are_in_the_openapi_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/movements/travel-groups/"])
    assert "get" in paths["/api/v1/movements/travel-groups/{id}/"]
    assert "post" in paths["/api/v1/movements/travel-groups/{id}/bookings/"]
    assert "delete" in paths["/api/v1/movements/travel-groups/{id}/bookings/{booking_pk}/"]
    assert "post" in paths["/api/v1/movements/travel-groups/{id}/escorts/"]
