"""The demo travel groups and notices: grouped by flight, one notice per grouped booking,
acknowledged when flown, safe to repeat."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from movements.choices import BookingStatus, NoticeStatus
from movements.groups.demo import demo_travel_groups_load
from movements.models import BookingNotice, Escort, MissionContact, TravelGroup
from tests.movements.booked import booked_case


def test_demo_bookings_on_one_flight_become_a_group_with_notices(db):
    past = timezone.localdate() - datetime.timedelta(days=20)
    soon = timezone.localdate() + datetime.timedelta(days=5)
    flown = [booked_case(day=past, status=BookingStatus.FLOWN) for _ in range(2)]
    upcoming = [booked_case(day=soon) for _ in range(3)]
    alone = booked_case(day=soon, flight="RW 102")

    summary = demo_travel_groups_load()
    again = demo_travel_groups_load()

    assert MissionContact.objects.filter(country__iso_code="USA").exists()
    assert (summary.groups, summary.grouped_bookings, summary.notices) == (3, 6, 6)
    assert (again.groups, again.notices) == (0, 0)
    assert TravelGroup.objects.count() == 3 and Escort.objects.count() == 3
    alone.refresh_from_db()
    assert alone.travel_group.name == "RW 102"
    assert alone.travel_group.bookings.count() == 1
    statuses = {n.booking_id: n.status for n in BookingNotice.objects.all()}
    assert {statuses[b.pk] for b in flown} == {NoticeStatus.ACKNOWLEDGED}
    assert sorted(statuses[b.pk] for b in [*upcoming, alone]) == [
        NoticeStatus.FAILED,
        NoticeStatus.SENT,
        NoticeStatus.SENT,
        NoticeStatus.SENT,
    ]
    failed = BookingNotice.objects.get(status=NoticeStatus.FAILED)
    assert failed.attempt_log.count() == 3
    assert failed.booking.case.case_number in failed.body


def test_the_demo_command_refuses_without_debug(db, settings):
    settings.DEBUG = False

    try:
        call_command("demo_travel_groups")
    except Exception as error:  # CommandError
        assert "DEBUG is off" in str(error)
    else:
        raise AssertionError("the command ran with DEBUG off")
    assert not TravelGroup.objects.exists()
