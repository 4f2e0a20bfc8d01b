"""What a receiving country's mission (and the airline) is told of a booking: the one rule.

Every door that tells a mission about a booking reads it here: the advance booking notice's text
(`movements.notices.services.notice_text`), the bookings API answered to a partner system
(`withhold_from_mission`) and the webhooks (`partners.outbox` calls `booking_summary`).

Told: who travels (names, sex, date of birth, nationality, ticket), the flights, the arrival,
the escorts (name, kind, role) and, per traveller, only the travel conditions the airline and the
mission act on (`MISSION_CONDITIONS`). Never told: the free-text reasons a booking was cancelled
or moved, notes, or any other medical detail (a pregnancy, the
clearance itself, results).
"""

from __future__ import annotations

from cases.choices import SpecialNeed
from core.roles import Role, has_role
from medical.choices import TravelCondition
from medical.models import HealthAssessment

from .models import Booking, Escort

# The travel conditions a mission and the airline need (WCHR, MEDA, oxygen, a minor travelling
# alone, a follow-up the destination arranges), from the person's needs and clearance alike.
MISSION_CONDITIONS = (
    "wheelchair",
    "oxygen",
    "medical_escort",
    "unaccompanied_minor",
    "follow_up",
)

# Fields of the bookings API a partner system is never given (free text that may speak of
# health or of the household's reasons).
WITHHELD_BOOKING_FIELDS = ("cancelled_reason",)


def condition_label(code: str) -> str:
    """The words for a condition code, in the active language."""
    for choices in (SpecialNeed, TravelCondition):
        if code in choices.values:
            return str(choices(code).label)
    return code


def _booking(booking: Booking | int) -> Booking:
    pk = booking if isinstance(booking, int) else booking.pk
    return (
        Booking.objects.select_related(
            "case__destination_country", "case__location", "travel_group"
        )
        .prefetch_related("segments", "travellers__individual__nationality", "escorts")
        .get(pk=pk)
    )


def booking_for_mission(booking: Booking | int) -> dict:
    """Everything a mission is told of `booking`, as data (codes, not words): the notice text is
    written from it in the mission's language, the webhook summarises it."""
    booking = _booking(booking)
    case = booking.case
    segments = sorted(booking.segments.all(), key=lambda s: s.order)
    seats = sorted(
        booking.travellers.all(), key=lambda t: (t.individual.date_of_birth, t.individual_id)
    )
    by_clearance = {
        a.individual_id: a.conditions
        for a in HealthAssessment.objects.filter(
            individual__in=[t.individual_id for t in seats], programme_id=case.programme_id
        ).only("individual_id", "conditions")
    }
    travellers = []
    for seat in seats:
        person = seat.individual
        given = list(person.special_needs or []) + list(by_clearance.get(person.pk) or [])
        conditions = [c for c in MISSION_CONDITIONS if c in given]
        travellers.append(
            {
                "individual_id": person.pk,
                "family_name": person.family_name,
                "given_name": person.given_name,
                "sex": person.sex,
                "date_of_birth": person.date_of_birth,
                "age": person.age_on(booking.departure_date),
                "nationality": person.nationality.iso_code if person.nationality_id else "",
                "ticket_number": seat.ticket_number,
                "conditions": conditions,
            }
        )
    escorts = list(booking.escorts.all())
    if booking.travel_group_id:
        escorts += list(Escort.objects.filter(travel_group_id=booking.travel_group_id))
    return {
        "booking_id": booking.pk,
        "case_id": case.pk,
        "case_number": case.case_number,
        "unhcr_case_number": case.unhcr_case_number,
        "location": str(case.location) if case.location_id else "",
        "destination_country": case.destination_country.iso_code,
        "destination_country_name": str(case.destination_country),
        "status": booking.status,
        "booking_reference": booking.booking_reference,
        "departure_date": booking.departure_date,
        "travel_group_id": booking.travel_group_id,
        "travel_group": str(booking.travel_group) if booking.travel_group_id else "",
        "flights": [
            {
                "order": s.order,
                "carrier": s.carrier,
                "flight_number": s.flight_number,
                "from_airport": s.from_airport,
                "to_airport": s.to_airport,
                "departs_at": s.departs_at,
                "arrives_at": s.arrives_at,
                "from_timezone": s.from_timezone,
                "to_timezone": s.to_timezone,
            }
            for s in segments
        ],
        "travellers": travellers,
        "escorts": [
            {"name": e.name, "kind": e.kind, "role": e.role, "contact": e.contact}
            for e in sorted(escorts, key=lambda e: (e.role, e.name, e.pk))
        ],
    }


def booking_summary(booking: Booking | int) -> dict:
    """The webhook's view of a booking: the mission's view, without the names (the partner reads
    them through the bookings API): its flights, how many travel and how many hold a ticket."""
    told = booking_for_mission(booking)
    return {
        "booking_id": told["booking_id"],
        "status": told["status"],
        "booking_reference": told["booking_reference"],
        "departure_date": told["departure_date"],
        "travel_group_id": told["travel_group_id"],
        "travellers": len(told["travellers"]),
        "tickets_issued": sum(1 for t in told["travellers"] if t["ticket_number"]),
        "flights": [
            {
                key: flight[key]
                for key in (
                    "carrier",
                    "flight_number",
                    "from_airport",
                    "to_airport",
                    "departs_at",
                    "arrives_at",
                )
            }
            for flight in told["flights"]
        ],
    }


def is_mission(user) -> bool:
    """Whether `user` reads bookings as a receiving country's mission (a partner system)."""
    return bool(user is not None and has_role(user, Role.PARTNER_SYSTEM))


def withhold_from_mission(data: dict) -> dict:
    """A booking as the bookings API answers it, less what a mission is never given."""
    return {k: v for k, v in data.items() if k not in WITHHELD_BOOKING_FIELDS}
