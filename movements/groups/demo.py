"""Demo travel groups and booking notices for the demo bookings (`manage.py demo_travel_groups`,
run by `make run` after the bookings are loaded).

- every destination country gets a mission contact (an example.org address, nothing is really
  sent: without EMAIL_URL mail goes to .local/mail);
- the bookings that are open or flown and in no group are grouped by flight date and first
  flight; each flight becomes a travel group named after it (one household or more), with an
  operational escort;
- each grouped booking gets its original notice: acknowledged when the household has flown,
  sent for the next flights, and, to show what a failure looks like, the latest open booking's
  notice failed after its tries (it can be sent again from its page).

Idempotent: grouped bookings are skipped and a booking with a notice gets none. Written with
plain inserts under the audit context "demo data" (no mail, no task).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from cases.audit import acting_as
from cases.models import Country
from movements.choices import (
    OPEN_BOOKING_STATUSES,
    BookingStatus,
    EscortKind,
    EscortRole,
    NoticeKind,
    NoticeStatus,
)
from movements.models import (
    Booking,
    BookingNotice,
    Escort,
    FlightSegment,
    MissionContact,
    NoticeAttempt,
    TravelGroup,
)
from movements.notices.services import _hash, ack_token, notice_text

DEMO_REASON = "demo data"
DEMO_ESCORTS = ["Jeanne Uwase", "Eric Nshimiyimana", "Aline Mukamana", "Patrick Habimana"]


@dataclass
class GroupsDemoSummary:
    missions: int = 0
    groups: int = 0
    grouped_bookings: int = 0
    notices: int = 0


def _mission_contacts() -> int:
    made = 0
    for country in Country.objects.filter(is_destination=True):
        _contact, created = MissionContact.objects.get_or_create(
            country=country,
            defaults={
                "mission": f"{country.name} mission, Kigali",
                "email": f"abn.{country.iso_code.lower()}@missions.example.org",
            },
        )
        made += created
    return made


@transaction.atomic
def demo_travel_groups_load() -> GroupsDemoSummary:
    summary = GroupsDemoSummary()
    with acting_as(None, reason=DEMO_REASON):
        summary.missions = _mission_contacts()
        bookings = (
            Booking.objects.filter(
                travel_group__isnull=True,
                status__in=[*OPEN_BOOKING_STATUSES, BookingStatus.FLOWN],
            )
            .select_related("case")
            .prefetch_related(
                Prefetch("segments", queryset=FlightSegment.objects.order_by("order"))
            )
            .order_by("departure_date", "id")
        )
        flights = defaultdict(list)
        for booking in bookings:
            segments = list(booking.segments.all())
            if not segments:
                continue
            first = segments[0]
            flights[(booking.departure_date, first.carrier, first.flight_number)].append(booking)
        for n, ((day, carrier, number), on_flight) in enumerate(sorted(flights.items())):
            group, _created = TravelGroup.objects.get_or_create(
                flight_date=day, name=f"{carrier} {number}"
            )
            Booking.objects.filter(pk__in=[b.pk for b in on_flight]).update(travel_group=group)
            Escort.objects.get_or_create(
                travel_group=group,
                name=DEMO_ESCORTS[n % len(DEMO_ESCORTS)],
                role=EscortRole.OPERATIONAL,
                defaults={"kind": EscortKind.STAFF},
            )
            summary.groups += 1
            summary.grouped_bookings += len(on_flight)
        summary.notices = _notices()
    return summary


def _notices() -> int:
    contacts = dict(MissionContact.objects.values_list("country_id", "email"))
    bookings = list(
        Booking.objects.filter(travel_group__isnull=False, notices__isnull=True)
        .select_related("case")
        .order_by("departure_date", "id")
    )
    now = timezone.now()
    latest_open = max(
        (b for b in bookings if b.status in OPEN_BOOKING_STATUSES),
        key=lambda b: (b.departure_date, b.pk),
        default=None,
    )
    made = 0
    for booking in bookings:
        recipient = contacts.get(booking.case.destination_country_id)
        if recipient is None:
            continue
        subject, body = notice_text(booking, kind=NoticeKind.ORIGINAL, sequence=1)
        sent_at = timezone.make_aware(
            datetime.datetime.combine(
                booking.departure_date - datetime.timedelta(days=7), datetime.time(9)
            )
        )
        failed = booking == latest_open
        flown = booking.status == BookingStatus.FLOWN
        notice = BookingNotice.objects.create(
            booking=booking,
            sequence=1,
            kind=NoticeKind.ORIGINAL,
            recipient=recipient,
            subject=subject,
            body=body,
            status=(
                NoticeStatus.FAILED
                if failed
                else NoticeStatus.ACKNOWLEDGED
                if flown
                else NoticeStatus.SENT
            ),
            attempts=3 if failed else 1,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed" if failed else "",
            sent_at=None if failed else min(sent_at, now),
            acknowledged_at=min(sent_at + datetime.timedelta(days=1), now) if flown else None,
            acknowledged_by="Consular section (demo)" if flown else "",
            token_expires_at=now + datetime.timedelta(days=14),
        )
        notice.ack_token_hash = _hash(ack_token(notice))
        notice.save(update_fields=["ack_token_hash"])
        NoticeAttempt.objects.bulk_create(
            NoticeAttempt(
                notice=notice,
                at=min(sent_at, now) + datetime.timedelta(minutes=2**i),
                ok=not failed,
                error=notice.last_error,
            )
            for i in range(notice.attempts)
        )
        made += 1
    return made
