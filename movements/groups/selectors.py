"""Travel groups: the reads, and the manifest.

The manifest lists every traveller with what the crew and the receiving side need (sex, age on
the flight date, nationality, document numbers, special needs, travel conditions from the
medical clearance, escorts) and totals by sex and age band.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.choices import DocumentType, Relationship, Sex, SpecialNeed
from cases.models import Individual, TravelDocument
from medical.choices import TravelCondition
from medical.models import HealthAssessment
from movements.airports import airport_time, flight_label
from movements.choices import OPEN_BOOKING_STATUSES, BookingStatus
from movements.models import Booking, Escort, FlightSegment, TravelGroup, Traveller

# The airline's age bands (IATA passenger types, age on the flight date): the manifest's totals.
# The annual report counts its own bands (reports.choices.AgeBand); the two are not the same.
AIRLINE_AGE_BANDS = (
    (0, 1, gettext_lazy("airline infant (under 2)")),
    (2, 11, gettext_lazy("airline child (2-11)")),
    (12, 200, gettext_lazy("airline adult (12 and over)")),
)
AGE_BANDS = AIRLINE_AGE_BANDS

# Special-service request codes (SSR) of the travel conditions and special needs an airline acts
# on; a value that is not here (follow-up after arrival...) is not the airline's business.
SSR_CODES = {
    "wheelchair": "WCHR",
    "stretcher": "STCR",
    "oxygen": "OXYG",
    "medical_escort": "MEDA",
}

# Which travel document is the one an airline reads (advance passenger information), in order.
APIS_DOCUMENT_ORDER = (
    DocumentType.PASSPORT,
    DocumentType.REFUGEE_TRAVEL_DOCUMENT,
    DocumentType.LAISSEZ_PASSER,
    DocumentType.TRAVEL_LETTER,
)


def age_band(age: int) -> str:
    """The airline's age band of an age."""
    for low, high, label in AIRLINE_AGE_BANDS:
        if low <= age <= high:
            return str(label)
    return str(AIRLINE_AGE_BANDS[-1][2])


def flight_line(s: FlightSegment) -> str:
    """ "ET812 KGL 2027-02-03 23:30 (Africa/Kigali) – ADD 2027-02-04 ...": one segment, its
    times on its airports' clocks, the carrier not repeated when typed in the number."""
    return (
        f"{flight_label(s.carrier, s.flight_number)} {s.from_airport} "
        f"{airport_time(s.departs_at, s.from_timezone)} – {s.to_airport} "
        f"{airport_time(s.arrives_at, s.to_timezone)}"
    )


def travel_group_list() -> QuerySet[TravelGroup]:
    """Groups, latest flight first, with their number of cases (one query)."""
    return TravelGroup.objects.annotate(
        case_count=Count("bookings", distinct=True),
        traveller_count=Count("bookings__travellers", distinct=True),
    ).order_by("-flight_date", "-id")


def travel_group_detail(pk: int) -> TravelGroup:
    """One group; TravelGroup.DoesNotExist otherwise."""
    return TravelGroup.objects.get(pk=pk)


def bookings_that_could_join(group: TravelGroup) -> QuerySet[Booking]:
    """Open bookings flying on the group's day and in no group, for the page's choice."""
    return (
        Booking.objects.filter(
            departure_date=group.flight_date,
            status__in=OPEN_BOOKING_STATUSES,
            travel_group__isnull=True,
        )
        .select_related("case")
        .order_by("case__case_number")
    )


@dataclass
class ManifestRow:
    number: int
    person: Individual
    case_number: str
    booking_reference: str
    ticket_number: str
    sex: str
    age: int
    age_band: str
    nationality: str
    documents: list[str]
    special_needs: list[str]
    travel_conditions: list[str]
    # Advance passenger information: the travel document an airline reads.
    document_type: str = ""
    document_number: str = ""
    document_issuer: str = ""
    document_expires: datetime.date | None = None
    infant_on_lap: bool = False
    lap_of: str = ""
    ssr_codes: list[str] = field(default_factory=list)
    flights: list[str] = field(default_factory=list)
    escorts: list[str] = field(default_factory=list)

    @property
    def apis_family_name(self) -> str:
        """The family name as in the document (machine-readable zone: capitals)."""
        return self.person.family_name.upper()

    @property
    def apis_given_name(self) -> str:
        return self.person.given_name.upper()

    @property
    def sex_label(self) -> str:
        return str(Sex(self.sex).label) if self.sex in Sex.values else self.sex

    @property
    def needs(self) -> list[str]:
        """Special needs and travel conditions together, each once."""
        seen = []
        for label in [*self.special_needs, *self.travel_conditions]:
            if label not in seen:
                seen.append(label)
        return seen


@dataclass
class Manifest:
    group: TravelGroup
    rows: list[ManifestRow]
    escorts: list[Escort]
    flights: list[FlightSegment]
    by_sex: list[tuple[str, int]] = field(default_factory=list)
    by_age_band: list[tuple[str, int]] = field(default_factory=list)
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def itinerary(self) -> list[str]:
        """Each flight with its times on its airports' clocks."""
        return [flight_line(s) for s in self.flights]

    @property
    def flight(self) -> str:
        """The group's flight: "ET812 KGL-ADD / ET500 ADD-IAD"."""
        return " / ".join(
            f"{flight_label(s.carrier, s.flight_number)} {s.from_airport}-{s.to_airport}"
            for s in self.flights
        )

    @property
    def infants_on_lap(self) -> int:
        return sum(row.infant_on_lap for row in self.rows)

    @property
    def seats(self) -> int:
        """Seats taken: every traveller but the infants on a lap."""
        return self.total - self.infants_on_lap

    @property
    def by_ssr(self) -> list[tuple[str, int]]:
        codes = Counter(code for row in self.rows for code in row.ssr_codes)
        return [(code, codes[code]) for code in SSR_CODES.values() if codes.get(code)]

    @property
    def case_count(self) -> int:
        return len({row.case_number for row in self.rows})


def travel_group_manifest(group: TravelGroup) -> Manifest:
    """Every traveller of the group's open bookings, in a fixed number of queries whatever the
    size of the group (bookings with segments and escorts, travellers with people and their
    documents valid on the flight date, clearances' travel conditions, group escorts)."""
    flight_date = group.flight_date
    documents = TravelDocument.objects.select_related("issuing_country").order_by(
        "document_type", "id"
    )
    travellers = Traveller.objects.select_related(
        "individual__nationality", "individual__case"
    ).prefetch_related(Prefetch("individual__documents", queryset=documents))
    bookings = list(
        group.bookings.exclude(status=BookingStatus.CANCELLED)
        .select_related("case__programme")
        .prefetch_related(
            Prefetch("travellers", queryset=travellers),
            Prefetch("segments", queryset=FlightSegment.objects.order_by("order")),
            Prefetch("escorts", queryset=Escort.objects.order_by("role", "name")),
        )
        .order_by("case__case_number")
    )
    people = [t for b in bookings for t in b.travellers.all()]
    conditions = {
        (a.individual_id, a.programme_id): a.conditions
        for a in HealthAssessment.objects.filter(
            individual_id__in=[t.individual_id for t in people]
        ).only("individual_id", "programme_id", "conditions")
    }
    group_escorts = list(group.escorts.order_by("role", "name"))
    rows = []
    for booking in bookings:
        booking_flights = [flight_line(s) for s in booking.segments.all()]
        with_them = [
            f"{e.name} ({e.get_role_display()}, {e.get_kind_display()})"
            for e in [*group_escorts, *booking.escorts.all()]
        ]
        lap = next(
            (
                t.individual.full_name
                for t in sorted(
                    booking.travellers.all(),
                    key=lambda t: t.individual.relationship != Relationship.PRINCIPAL_APPLICANT,
                )
                if t.individual.age_on(flight_date) >= 18
            ),
            "",
        )
        for traveller in sorted(
            booking.travellers.all(),
            key=lambda t: (
                t.individual.relationship != Relationship.PRINCIPAL_APPLICANT,
                t.individual.pk,
            ),
        ):
            person = traveller.individual
            age = person.age_on(flight_date)
            valid = [
                d
                for d in person.documents.all()
                if d.expires_on is None or d.expires_on >= flight_date
            ]
            valid_documents = [
                f"{d.get_document_type_display()} {d.number} ({d.issuing_country.iso_code})"
                for d in valid
            ]
            apis = next(
                (d for kind in APIS_DOCUMENT_ORDER for d in valid if d.document_type == kind),
                None,
            )
            condition_values = conditions.get((person.pk, booking.case.programme_id), [])
            ssr = [
                SSR_CODES[v]
                for v in SSR_CODES
                if v in condition_values or v in (person.special_needs or [])
            ]
            rows.append(
                ManifestRow(
                    number=len(rows) + 1,
                    person=person,
                    case_number=booking.case.case_number,
                    booking_reference=booking.booking_reference,
                    ticket_number=traveller.ticket_number,
                    sex=person.sex,
                    age=age,
                    age_band=age_band(age),
                    nationality=person.nationality.iso_code if person.nationality_id else "",
                    documents=valid_documents,
                    special_needs=[
                        str(SpecialNeed(n).label) if n in SpecialNeed.values else n
                        for n in person.special_needs
                    ],
                    travel_conditions=[
                        str(TravelCondition(c).label) if c in TravelCondition.values else c
                        for c in condition_values
                    ],
                    document_type=apis.get_document_type_display() if apis else "",
                    document_number=apis.number if apis else "",
                    document_issuer=apis.issuing_country.iso_code if apis else "",
                    document_expires=apis.expires_on if apis else None,
                    infant_on_lap=age < 2,
                    lap_of=lap if age < 2 else "",
                    ssr_codes=ssr,
                    flights=booking_flights,
                    escorts=with_them,
                )
            )
    escorts = group_escorts + [e for b in bookings for e in b.escorts.all()]
    flights = list(bookings[0].segments.all()) if bookings else []
    sexes = Counter(row.sex for row in rows)
    bands = Counter(row.age_band for row in rows)
    return Manifest(
        group=group,
        rows=rows,
        escorts=escorts,
        flights=flights,
        by_sex=[(str(label), sexes.get(value, 0)) for value, label in Sex.choices],
        by_age_band=[
            (str(label), bands.get(str(label), 0)) for _low, _high, label in AIRLINE_AGE_BANDS
        ],
    )
