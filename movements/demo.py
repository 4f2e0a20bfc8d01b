"""Demo movement records for the demo households of `cases.demo`.

`manage.py demo_data` moves cases to booked, departed, arrived and closed on their timelines
with no booking behind them. `demo_movement_records_load` writes what those steps stand for,
reading each case's own timeline for its dates:

- booked cases (and held or withdrawn ones that were booked): an open booking for the
  timeline's planned departure date, two flights via Doha to the destination's airport (times on
  each airport's clock), every member a traveller; a transit stay when the flight is within five
  days; a medical escort where a member's clearance asks for one;
- departed, arrived and closed cases: a flown booking and the departure (from the case's camp,
  to its destination, on the timeline's departure date); an arrival and handover for arrived and
  closed ones, on the timeline's arrival date (never before the departure).

No timeline entries are written (the demo timeline already has the steps). Idempotent: a case
that has a booking is skipped. Rows go in with bulk_create, audited under "demo data".
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases.audit import acting_as
from cases.choices import CaseStatus
from cases.models import Case, CaseEvent, Individual
from medical.choices import TravelCondition
from medical.models import HealthAssessment

from .choices import BookingStatus, EscortKind, EscortRole
from .models import Arrival, Booking, Departure, Escort, FlightSegment, TransitStay, Traveller

S = CaseStatus
DEMO_REASON = "demo data"
CHUNK = 1_000
BOOKED = frozenset({S.BOOKED})
TRAVELLED = frozenset({S.DEPARTED, S.ARRIVED, S.CLOSED})
ARRIVED = frozenset({S.ARRIVED, S.CLOSED})
TRANSIT_DAYS = 5

# The destination's airport, its zone, and the hours from Doha.
DESTINATION_AIRPORTS = {
    "USA": ("JFK", "America/New_York", 14),
    "CAN": ("YYZ", "America/Toronto", 14),
    "AUS": ("SYD", "Australia/Sydney", 14),
    "NZL": ("AKL", "Pacific/Auckland", 16),
    "FIN": ("HEL", "Europe/Helsinki", 6),
    "NOR": ("OSL", "Europe/Oslo", 7),
    "SWE": ("ARN", "Europe/Stockholm", 7),
    "GBR": ("LHR", "Europe/London", 7),
    "NLD": ("AMS", "Europe/Amsterdam", 7),
    "DNK": ("CPH", "Europe/Copenhagen", 7),
    "BEL": ("BRU", "Europe/Brussels", 7),
    "IRL": ("DUB", "Europe/Dublin", 8),
    "CHE": ("ZRH", "Europe/Zurich", 6),
}
DEFAULT_AIRPORT = ("BRU", "Europe/Brussels", 7)
KIGALI = "Africa/Kigali"
DOHA = "Asia/Qatar"


@dataclass
class MovementDemoSummary:
    bookings: int = 0
    departures: int = 0
    arrivals: int = 0
    transit_stays: int = 0
    escorts: int = 0


def _main_status(status: str, resume_status: str) -> str:
    if status in (S.ON_HOLD, S.WITHDRAWN) and resume_status:
        return resume_status
    return status


def _itinerary(day: datetime.date, iso: str) -> list[FlightSegment]:
    """KGL 17:00 → DOH 23:55 (local), DOH 08:00 the next morning → the destination."""
    airport, zone, hours = DESTINATION_AIRPORTS.get(iso, DEFAULT_AIRPORT)
    kigali, doha = zoneinfo.ZoneInfo(KIGALI), zoneinfo.ZoneInfo(DOHA)
    first_off = datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=kigali)
    first_on = datetime.datetime.combine(day, datetime.time(23, 55), tzinfo=doha)
    second_off = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(8, 0), tzinfo=doha
    )
    second_on = second_off + datetime.timedelta(hours=hours)
    return [
        FlightSegment(
            order=1,
            carrier="Qatar Airways",
            flight_number="QR1356",
            from_airport="KGL",
            to_airport="DOH",
            departs_at=first_off,
            arrives_at=first_on,
            from_timezone=KIGALI,
            to_timezone=DOHA,
        ),
        FlightSegment(
            order=2,
            carrier="Qatar Airways",
            flight_number=f"QR{700 + len(iso) * 3 + ord(iso[0]) % 50}",
            from_airport="DOH",
            to_airport=airport,
            departs_at=second_off,
            arrives_at=second_on,
            from_timezone=DOHA,
            to_timezone=zone,
        ),
    ]


def demo_movement_records_load(*, today: datetime.date | None = None) -> MovementDemoSummary:
    """Write the missing movement records of the demo cases; see the module's docstring."""
    today = today or timezone.localdate()
    wanted = sorted(BOOKED | TRAVELLED)
    rows = list(
        Case.objects.filter(
            Q(status__in=wanted) | Q(status__in=[S.ON_HOLD, S.WITHDRAWN], resume_status__in=wanted)
        )
        .exclude(bookings__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "resume_status",
            "location_id",
            "destination_country_id",
            "destination_country__iso_code",
            "movement_type_id",
            "programme_id",
        )
    )
    summary = MovementDemoSummary()
    for first in range(0, len(rows), CHUNK):
        with transaction.atomic(), acting_as(None, reason=DEMO_REASON):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
            _write_chunk(rows[first : first + CHUNK], today, summary)
    return summary


def _step_times(case_ids) -> dict[tuple[int, str], CaseEvent]:
    """The last "book", "depart" and "arrive" event of each case."""
    latest = {}
    for event in (
        CaseEvent.objects.filter(case_id__in=case_ids, transition__in=["book", "depart", "arrive"])
        .order_by("at", "id")
        .only("case_id", "transition", "at", "data")
    ):
        latest[(event.case_id, event.transition)] = event
    return latest


def _write_chunk(rows, today, summary) -> None:
    case_ids = [row[0] for row in rows]
    events = _step_times(case_ids)
    members: dict[int, list[int]] = {}
    for pid, case_id in (
        Individual.objects.filter(case_id__in=case_ids).order_by("pk").values_list("pk", "case_id")
    ):
        members.setdefault(case_id, []).append(pid)
    escorted = set(
        HealthAssessment.objects.filter(
            individual__case_id__in=case_ids,
            conditions__contains=[TravelCondition.MEDICAL_ESCORT],
        ).values_list("individual__case_id", flat=True)
    )
    plans = []
    for case_id, status, resume, location, destination, iso, movement_type, _prog in rows:
        main = _main_status(status, resume)
        booked_event = events.get((case_id, "book"))
        departed_event = events.get((case_id, "depart"))
        arrived_event = events.get((case_id, "arrive"))
        travelled = main in TRAVELLED
        if travelled and departed_event is not None:
            day = timezone.localdate(departed_event.at)
        elif booked_event is not None and booked_event.data.get("departure_date"):
            day = datetime.date.fromisoformat(booked_event.data["departure_date"])
        elif booked_event is not None:
            day = timezone.localdate(booked_event.at) + datetime.timedelta(days=21)
        else:
            continue
        booking = Booking(
            case_id=case_id,
            status=BookingStatus.FLOWN if travelled else BookingStatus.TICKETED,
            departure_date=day,
            booking_reference=f"DM{case_id:06d}"[-8:],
            created_at=booked_event.at if booked_event else timezone.now(),
        )
        plans.append(
            (
                booking,
                iso,
                main,
                departed_event,
                arrived_event,
                location,
                destination,
                movement_type,
            )
        )
    Booking.objects.bulk_create([p[0] for p in plans])
    segments, travellers, departures, arrivals, stays, escorts = [], [], [], [], [], []
    for booking, iso, main, departed_event, arrived_event, location, destination, mtype in plans:
        case_id = booking.case_id
        for seg in _itinerary(booking.departure_date, iso):
            seg.booking = booking
            segments.append(seg)
        for n, pid in enumerate(members.get(case_id, [])):
            travellers.append(
                Traveller(
                    booking=booking, individual_id=pid, ticket_number=f"157{case_id:07d}{n:03d}"
                )
            )
        if case_id in escorted:
            escorts.append(
                Escort(
                    booking=booking,
                    kind=EscortKind.HIRED,
                    role=EscortRole.MEDICAL,
                    name="Dr. Aline Uwase",
                    contact="+250 788 000 111",
                )
            )
        if main in TRAVELLED:
            departed_at = (
                departed_event.at
                if departed_event
                else timezone.make_aware(
                    datetime.datetime.combine(booking.departure_date, datetime.time(17))
                )
            )
            departures.append(
                Departure(
                    booking=booking,
                    case_id=case_id,
                    departed_on=timezone.localdate(departed_at),
                    departed_at=departed_at,
                    location_id=location,
                    destination_country_id=destination,
                    movement_type_id=mtype,
                    recorded_at=departed_at,
                )
            )
            if main in ARRIVED:
                arrived_on = max(
                    timezone.localdate(arrived_event.at)
                    if arrived_event
                    else booking.departure_date,
                    booking.departure_date,
                )
                airport = DESTINATION_AIRPORTS.get(iso, DEFAULT_AIRPORT)[0]
                arrivals.append(
                    Arrival(
                        booking=booking,
                        case_id=case_id,
                        arrived_on=arrived_on,
                        airport=airport,
                        receiving_agency="IOM and the receiving resettlement agency",
                    )
                )
        elif 0 <= (booking.departure_date - today).days <= TRANSIT_DAYS:
            stays.append(
                TransitStay(
                    case_id=case_id,
                    booking=booking,
                    checked_in_at=timezone.now() - datetime.timedelta(days=1),
                )
            )
    FlightSegment.objects.bulk_create(segments)
    Traveller.objects.bulk_create(travellers)
    Escort.objects.bulk_create(escorts)
    Departure.objects.bulk_create(departures)
    Arrival.objects.bulk_create(arrivals)
    TransitStay.objects.bulk_create(stays)
    summary.bookings += len(plans)
    summary.departures += len(departures)
    summary.arrivals += len(arrivals)
    summary.transit_stays += len(stays)
    summary.escorts += len(escorts)
