"""Every page of /movements/ as every role, with bad input, in every language (the checks are
shared with reports and partners: tests/page_world.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Individual
from movements.bookings import services
from movements.bookings.selectors import travel_window
from movements.groups import services as groups
from tests.movements.booked import booked_case
from tests.movements.conftest import TODAY, days, ready_case
from tests.page_world import (
    ACCESS,
    ROLES,
    fuzz,
    in_every_language,
    posts_without_csrf_token,
    url_names,
    walk_as,
    world,
)


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


NAMESPACE = "movements"


def test_every_url_name_is_in_the_access_table():
    assert url_names(NAMESPACE) == {n.split(":")[1] for n in ACCESS[NAMESPACE]}


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_each_role_opens_only_its_pages_and_a_refused_request_changes_nothing(
    client, request, role, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    failures = walk_as(client, role, NAMESPACE, urls)
    assert not failures, "\n".join(failures)


def test_bad_input_on_every_page_is_never_a_server_error(
    client, administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    client.raise_request_exception = False
    client.force_login(administrator)
    members = list(Individual.objects.values_list("pk", flat=True))
    failures = fuzz(client, NAMESPACE, urls, members)
    assert not failures, "\n".join(failures)


def test_every_page_answers_in_every_language(
    client, administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    client.force_login(administrator)
    failures = in_every_language(client, NAMESPACE, urls)
    assert not failures, "\n".join(failures)


def test_an_unknown_booking_status_in_the_query_filters_nothing(client, movement_officer):
    booking = booked_case(day=TODAY() + days(10))
    client.force_login(movement_officer)
    for status in ("\x00", "a\x00b", "nonsense"):
        page = client.get(reverse("movements:bookings"), {"status": status})
        assert page.status_code == 200
        assert booking.case.case_number in page.content.decode()
    page = client.get(reverse("movements:bookings"), {"status": "cancelled"})
    assert booking.case.case_number not in page.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_a_readiness_day_off_the_calendar_shows_the_default_day(client, movement_officer, day):
    case = ready_case(adults=1)
    client.force_login(movement_officer)
    page = client.get(reverse("movements:book", args=[case.pk]), {"date": day})
    assert page.status_code == 200
    assert page.context["day"] == (travel_window(case).opens or TODAY())


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_transit_and_escort_lists_take_the_same_queries_for_more_rows(client, movement_officer):
    """Same count for one stay and one escort as for several of each (current and past)."""

    def household():
        booking = booked_case(day=TODAY() + days(5))
        stay = services.transit_check_in(
            actor=movement_officer,
            case=booking.case,
            checked_in_at=timezone.now() - datetime.timedelta(hours=3),
            # Three hours ago may be yesterday in Kigali: history then.
            recorded_after_the_fact=True,
        )
        services.escort_assign(
            actor=movement_officer, booking=booking, kind="staff", role="operational", name="E"
        )
        group = groups.travel_group_create(
            actor=movement_officer, name=f"G{booking.pk}", flight_date=booking.departure_date
        )
        services.escort_assign(
            actor=movement_officer, travel_group=group, name="G", kind="hired", role="medical"
        )
        return stay

    client.force_login(movement_officer)
    household()
    urls = [reverse("movements:transit"), reverse("movements:escorts")]
    for url in urls:
        client.get(url)
    few = [_queries(client, url) for url in urls]
    for _n in range(4):
        stay = household()
    services.transit_check_out(actor=movement_officer, stay=stay)
    many = [_queries(client, url) for url in urls]
    assert client.get(urls[1]).content.decode().count("<tr>") >= 10
    assert many == few


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    failures = posts_without_csrf_token(NAMESPACE, administrator, urls)
    assert not failures, "\n".join(failures)
