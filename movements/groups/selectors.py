"""Travel groups: the reads, and the manifest.

The manifest lists every traveller with what the crew and the receiving side need (sex, age on
the flight date, nationality, document numbers, special needs, travel conditions from the
medical clearance, escorts) and totals by sex and age band.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy

from cases.choices import Relationship, Sex, SpecialNeed
from cases.models import Individual, TravelDocument
from medical.choices import TravelCondition
from medical.models import HealthAssessment
from movements.airports import airport_time
from movements.choices import OPEN_BOOKING_STATUSES, BookingStatus
from movements.models import Booking, Escort, FlightSegment, TravelGroup, Traveller

# Age bands of the manifest's totals (age on the flight date), as airlines and missions count.
AGE_BANDS = (
    (0, 1, gettext_lazy("infants (under 2)")),
    (2, 11, gettext_lazy("children (2-11)")),
    (12, 17, gettext_lazy("adolescents (12-17)")),
    (18, 59, gettext_lazy("adults (18-59)")),
    (60, 200, gettext_lazy("older people (60+)")),
)


def age_band(age: int) -> str:
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return str(label)
    return str(AGE_BANDS[-1][2])


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

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def itinerary(self) -> list[str]:
        """Each flight with its times on its airports' clocks."""
        return [
            f"{s.carrier} {s.flight_number} {s.from_airport} "
            f"{airport_time(s.departs_at, s.from_timezone)} – {s.to_airport} "
            f"{airport_time(s.arrives_at, s.to_timezone)}"
            for s in self.flights
        ]

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
    rows = []
    for booking in bookings:
        for traveller in sorted(
            booking.travellers.all(),
            key=lambda t: (
                t.individual.relationship != Relationship.PRINCIPAL_APPLICANT,
                t.individual.pk,
            ),
        ):
            person = traveller.individual
            age = person.age_on(flight_date)
            valid_documents = [
                f"{d.get_document_type_display()} {d.number} ({d.issuing_country.iso_code})"
                for d in person.documents.all()
                if d.expires_on is None or d.expires_on >= flight_date
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
                        for c in conditions.get((person.pk, booking.case.programme_id), [])
                    ],
                )
            )
    escorts = list(group.escorts.order_by("role", "name")) + [
        e for b in bookings for e in b.escorts.all()
    ]
    flights = list(bookings[0].segments.all()) if bookings else []
    sexes = Counter(row.sex for row in rows)
    bands = Counter(row.age_band for row in rows)
    return Manifest(
        group=group,
        rows=rows,
        escorts=escorts,
        flights=flights,
        by_sex=[(str(label), sexes.get(value, 0)) for value, label in Sex.choices],
        by_age_band=[(str(label), bands.get(str(label), 0)) for _low, _high, label in AGE_BANDS],
    )
