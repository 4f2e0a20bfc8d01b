"""Demo movement records follow each demo case's timeline and are written once."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from movements.choices import BookingStatus
from movements.models import Arrival, Booking, Departure

S = CaseStatus


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, clinician, facilitator):
    run("demo_data", "--cases", "120", "--force")
    run("demo_clinic_records", "--force")
    run("demo_orientation_records", "--force")
    return run("demo_movement_records", "--force")


def test_booked_departed_and_arrived_demo_cases_have_their_records(demo):
    booked = Case.objects.filter(status=S.BOOKED)
    travelled = Case.objects.filter(status__in=[S.DEPARTED, S.ARRIVED, S.CLOSED])
    arrived = Case.objects.filter(status__in=[S.ARRIVED, S.CLOSED])
    assert booked.exists() and travelled.exists() and arrived.exists()
    for case in booked:
        booking = case.bookings.get()
        assert booking.status == BookingStatus.TICKETED
        assert booking.segments.count() == 2
        assert set(booking.travellers.values_list("individual_id", flat=True)) == set(
            case.members.values_list("pk", flat=True)
        )
    for case in travelled:
        departure = Departure.objects.get(case=case)
        assert departure.booking.status == BookingStatus.FLOWN
        assert departure.location_id == case.location_id
        assert departure.departed_on == timezone.localdate(departure.departed_at)
    for case in arrived:
        arrival = Arrival.objects.get(case=case)
        assert arrival.arrived_on >= arrival.booking.departure.departed_on
    assert "bookings" in demo


def test_a_second_run_writes_nothing(demo):
    before = Booking.objects.count()
    again = run("demo_movement_records", "--force")
    assert Booking.objects.count() == before
    assert "0 bookings" in again
