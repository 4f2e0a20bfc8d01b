"""Booked households for the tests of travel groups and notices: rows written directly (the
booking services belong to the movements helper's tests)."""

import datetime
import itertools

from django.utils import timezone

from cases.choices import CaseStatus, Relationship, Sex, SpecialNeed
from cases.models import Case, Country, TravelDocument
from movements.choices import BookingStatus
from movements.models import Booking, FlightSegment, MissionContact, Traveller
from tests.factories import CaseFactory, IndividualFactory

_tickets = itertools.count(1)


def kigali(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def mission(country="USA", email="abn@usmission.example") -> MissionContact:
    return MissionContact.objects.update_or_create(
        country=Country.objects.get(iso_code=country),
        defaults={"mission": f"{country} mission", "email": email},
    )[0]


def booked_case(
    *,
    day: datetime.date,
    children=1,
    flight="KQ 479",
    status=BookingStatus.TICKETED,
    reference=None,
    country="USA",
):
    """A case in "booked" with a ticketed booking on `flight` from Kigali on `day`, then on to
    New York; every member travels with a ticket; the principal holds a passport."""
    case = CaseFactory(
        members=0,
        destination_country=Country.objects.get(iso_code=country),
        principal__sex=Sex.FEMALE,
        principal__date_of_birth=day.replace(year=day.year - 35),
    )
    for n in range(children):
        IndividualFactory(
            case=case,
            relationship=Relationship.CHILD,
            sex=Sex.MALE,
            date_of_birth=day.replace(year=day.year - 4 - n),
            special_needs=[SpecialNeed.WHEELCHAIR] if n == 0 else [],
        )
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.BOOKED)
    booking = Booking.objects.create(
        case=case,
        status=status,
        departure_date=day,
        booking_reference=reference or f"REF{case.pk:05d}",
        cancelled_reason="Family withdrew" if status == BookingStatus.CANCELLED else "",
    )
    carrier, number = flight.split()
    FlightSegment.objects.create(
        booking=booking,
        order=1,
        carrier=carrier,
        flight_number=number,
        from_airport="KGL",
        to_airport="NBO",
        departs_at=kigali(day, 9, 30),
        arrives_at=kigali(day, 11, 0),
        from_timezone="Africa/Kigali",
        to_timezone="Africa/Nairobi",
    )
    FlightSegment.objects.create(
        booking=booking,
        order=2,
        carrier=carrier,
        flight_number="002",
        from_airport="NBO",
        to_airport="JFK",
        departs_at=kigali(day, 23, 0),
        arrives_at=kigali(day, 23, 0) + datetime.timedelta(hours=16),
        from_timezone="Africa/Nairobi",
        to_timezone="America/New_York",
    )
    for person in case.members.all():
        Traveller.objects.create(
            booking=booking, individual=person, ticket_number=f"706{next(_tickets):010d}"
        )
    TravelDocument.objects.create(
        individual=case.members.get(relationship=Relationship.PRINCIPAL_APPLICANT),
        document_type="passport",
        number=f"PC{case.pk:07d}",
        issuing_country=Country.objects.get(iso_code="COD"),
        expires_on=day + datetime.timedelta(days=365),
    )
    return booking
