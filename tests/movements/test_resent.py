"""A page form sent twice (a double click, a browser's resend) stores its record once: the
booking, the travel group, the notice, the report run, the history import, the referral file's
referrals."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from movements.models import Booking, BookingNotice, Escort, TransitStay, TravelGroup
from reports.models import DepartureImport, ImportedDeparture, ReportRun
from tests.movements.booked import booked_case, mission
from tests.movements.conftest import TODAY, days, ready_case
from tests.movements.test_pages import booking_post
from tests.page_world import HISTORY_CSV
from tests.partners.test_intake import csv_file, person_line


def twice(client, url, body) -> tuple[int, int]:
    first = client.post(url, body).status_code
    second = client.post(url, body).status_code
    return first, second


def test_a_booking_sent_twice_is_booked_once(client, movement_officer):
    case = ready_case(adults=2)
    client.force_login(movement_officer)
    url = reverse("movements:book", args=[case.pk])
    first, second = twice(client, url, booking_post(case, TODAY() + days(21)))
    assert (first, second) == (302, 400)
    assert Booking.objects.filter(case=case).count() == 1


def test_a_travel_group_sent_twice_is_made_once(client, movement_officer):
    client.force_login(movement_officer)
    body = {"name": "Monday flight", "flight_date": (TODAY() + days(9)).isoformat()}
    first, second = twice(client, reverse("movements:group_list"), body)
    assert (first, second) == (302, 400)
    assert TravelGroup.objects.count() == 1


def test_a_notice_sent_twice_is_written_once(client, movement_officer):
    mission()
    booking = booked_case(day=TODAY() + days(10))
    client.force_login(movement_officer)
    twice(client, reverse("movements:notice_send", args=[booking.pk]), {})
    assert BookingNotice.objects.filter(booking=booking).count() == 1


def test_a_report_asked_twice_is_one_run(client, manager):
    client.force_login(manager)
    first, second = twice(client, reverse("reports:runs"), {"kind": "yearly", "year": 2020})
    assert (first, second) == (302, 302)
    assert ReportRun.objects.count() == 1


def test_a_history_file_sent_twice_is_imported_once(client, manager):
    client.force_login(manager)
    url = reverse("reports:history")
    first = client.post(url, {"file": SimpleUploadedFile("past.csv", HISTORY_CSV)})
    second = client.post(url, {"file": SimpleUploadedFile("again.csv", HISTORY_CSV)})
    # The same lines in another file: refused too, line by line.
    third = client.post(
        url, {"file": SimpleUploadedFile("other.csv", HISTORY_CSV.replace(b",3\n", b",3\n\n"))}
    )
    assert (first.status_code, second.status_code, third.status_code) == (302, 400, 400)
    assert DepartureImport.objects.count() == ImportedDeparture.objects.count() == 1


def test_a_referral_file_sent_twice_on_the_page_takes_its_referrals_once(
    client, caseworker, django_capture_on_commit_callbacks
):
    client.force_login(caseworker)
    lines = [person_line("RWA-77-1", "Ana"), person_line("RWA-77-2", "Bea")]
    for _n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(reverse("partners:referral_files"), {"file": csv_file(lines)})
        assert sent.status_code == 302
    assert Case.objects.filter(unhcr_case_number__in=["RWA-77-1", "RWA-77-2"]).count() == 2


def test_an_escort_and_a_check_in_sent_twice_are_stored_once(client, movement_officer):
    booking = booked_case(day=TODAY() + days(5))
    group = TravelGroup.objects.create(name="G", flight_date=booking.departure_date)
    client.force_login(movement_officer)
    escort = {"name": "Jeanne", "kind": "staff", "role": "medical"}
    assert twice(client, reverse("movements:escort_add", args=[booking.pk]), escort) == (302, 400)
    assert twice(client, reverse("movements:group_add_escort", args=[group.pk]), escort) == (
        302,
        400,
    )
    check_in = {"centre": "Kigali transit centre"}
    assert twice(client, reverse("movements:check_in", args=[booking.pk]), check_in) == (302, 400)
    assert Escort.objects.filter(booking=booking).count() == 1
    assert Escort.objects.filter(travel_group=group).count() == 1
    assert TransitStay.objects.filter(case=booking.case).count() == 1
