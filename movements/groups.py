"""Travel groups: the cases on one flight, their escorts, and the manifest.

A group holds bookings (each booking is a whole case: a household travels together) that fly
on the same day on the same first flight. The manifest lists every traveller with what the
crew and the receiving side need (sex, age on the flight date, nationality, document numbers,
special needs, travel conditions from the medical clearance, escorts) and totals by sex and
age band. Writes check the actor, lock the group, write in one transaction, tell the timeline
of each case touched and name the actor for the audit trail.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import acting_as
from cases.choices import Relationship, Sex, SpecialNeed
from cases.models import Individual, TravelDocument
from core.errors import ApplicationError, NotPermitted
from medical.choices import TravelCondition
from medical.models import HealthAssessment

from . import events
from .choices import OPEN_BOOKING_STATUSES, BookingStatus, EscortKind, EscortRole
from .models import Booking, Escort, FlightSegment, TravelGroup, Traveller
from .permissions import can_manage_movements

# Age bands of the manifest's totals (age on the flight date), as airlines and missions count.
AGE_BANDS = (
    (0, 1, gettext_lazy("infants (under 2)")),
    (2, 11, gettext_lazy("children (2-11)")),
    (12, 17, gettext_lazy("adolescents (12-17)")),
    (18, 59, gettext_lazy("adults (18-59)")),
    (60, 200, gettext_lazy("older people (60+)")),
)


def airport_time(moment: datetime.datetime, zone: str) -> str:
    """ "2027-02-03 23:30 (Africa/Kigali)": a flight time on its airport's own clock."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def age_band(age: int) -> str:
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return str(label)
    return str(AGE_BANDS[-1][2])


def _require_officer(actor) -> None:
    if not can_manage_movements(actor):
        raise NotPermitted(_("Only movement officers and administrators may change travel groups."))


def _lock_group(group: TravelGroup | int) -> TravelGroup:
    pk = group if isinstance(group, int) else group.pk
    return TravelGroup.objects.select_for_update().get(pk=pk)


def _first_segment(booking: Booking) -> FlightSegment | None:
    return booking.segments.order_by("order").first()


def _flight_label(segment: FlightSegment | None) -> str:
    if segment is None:
        return _("no itinerary")
    return f"{segment.carrier} {segment.flight_number} {segment.departs_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------
# Writes


def travel_group_create(
    *, actor, name: str, flight_date: datetime.date, notes: str = ""
) -> TravelGroup:
    """A new, empty travel group for the flights of `flight_date`; the name is unique that day."""
    _require_officer(actor)
    group = TravelGroup(
        name=(name or "").strip(), flight_date=flight_date, notes=notes or "", created_by=actor
    )
    try:
        group.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(
            messages[0], field=None if field_name == "__all__" else field_name
        ) from error
    try:
        with transaction.atomic(), acting_as(actor):
            group.save()
    except IntegrityError as error:
        raise ApplicationError(
            _("A travel group of this name already flies that day."),
            field="name",
            code="duplicate",
        ) from error
    return group


def travel_group_add_booking(*, actor, group: TravelGroup, booking: Booking) -> Booking:
    """Put a booked case (the whole household, as booked) into `group`.

    Refused: a booking that is cancelled or flown, in another group, flying on another day than
    the group, or on another first flight than the bookings already in the group.
    """
    _require_officer(actor)
    with transaction.atomic(), acting_as(actor):
        locked = _lock_group(group)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=booking.pk)
        )
        if booking.status not in OPEN_BOOKING_STATUSES:
            raise ApplicationError(
                _("The booking of case %(case)s is “%(status)s”: only open bookings join a group.")
                % {"case": booking.case.case_number, "status": booking.get_status_display()},
                field="booking",
                code="booking_not_open",
            )
        if booking.travel_group_id == locked.pk:
            raise ApplicationError(
                _("Case %(case)s is already in this group.") % {"case": booking.case.case_number},
                field="booking",
                code="already_in_group",
            )
        if booking.travel_group_id is not None:
            raise ApplicationError(
                _("Case %(case)s is in another travel group; take it out of that one first.")
                % {"case": booking.case.case_number},
                field="booking",
                code="in_another_group",
            )
        if booking.departure_date != locked.flight_date:
            raise ApplicationError(
                _("Case %(case)s flies on %(date)s, this group on %(group_date)s.")
                % {
                    "case": booking.case.case_number,
                    "date": booking.departure_date.isoformat(),
                    "group_date": locked.flight_date.isoformat(),
                },
                field="booking",
                code="other_day",
            )
        mine = _first_segment(booking)
        other = (
            Booking.objects.filter(travel_group=locked)
            .exclude(pk=booking.pk)
            .order_by("id")
            .first()
        )
        theirs = _first_segment(other) if other is not None else None
        if theirs is not None and (
            mine is None
            or (mine.carrier, mine.flight_number, mine.departs_at)
            != (theirs.carrier, theirs.flight_number, theirs.departs_at)
        ):
            raise ApplicationError(
                _("Case %(case)s is on %(mine)s; this group flies on %(theirs)s.")
                % {
                    "case": booking.case.case_number,
                    "mine": _flight_label(mine),
                    "theirs": _flight_label(theirs),
                },
                field="booking",
                code="other_flight",
            )
        booking.travel_group = locked
        booking.save(update_fields=["travel_group", "updated_at"])
        events.event_travel_group_joined(booking=booking, group=locked, actor=actor)
    return booking


def travel_group_remove_booking(*, actor, group: TravelGroup, booking: Booking) -> Booking:
    """Take a case out of `group` (it keeps its booking)."""
    _require_officer(actor)
    with transaction.atomic(), acting_as(actor):
        locked = _lock_group(group)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=booking.pk)
        )
        if booking.travel_group_id != locked.pk:
            raise ApplicationError(
                _("Case %(case)s is not in this group.") % {"case": booking.case.case_number},
                field="booking",
                code="not_in_group",
            )
        booking.travel_group = None
        booking.save(update_fields=["travel_group", "updated_at"])
        events.event_travel_group_left(booking=booking, group=locked, actor=actor)
    return booking


def group_escort_assign(
    *, actor, group: TravelGroup, name: str, kind: str, role: str, contact: str = ""
) -> Escort:
    """An escort accompanying the whole group (staff or hired, operational or medical)."""
    _require_officer(actor)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the escort's name."), field="name")
    if kind not in EscortKind.values:
        raise ApplicationError(_("Choose staff or hired."), field="kind")
    if role not in EscortRole.values:
        raise ApplicationError(_("Choose operational or medical."), field="role")
    try:
        with transaction.atomic(), acting_as(actor):
            locked = _lock_group(group)
            escort = Escort.objects.create(
                travel_group=locked,
                name=name,
                kind=kind,
                role=role,
                contact=(contact or "").strip(),
                created_by=actor,
            )
            for booking in locked.bookings.select_related("case"):
                events.event_group_escort_assigned(
                    case=booking.case, group=locked, escort=escort, actor=actor
                )
    except IntegrityError as error:
        raise ApplicationError(
            _("This escort is already assigned to this group."), field="name", code="duplicate"
        ) from error
    return escort


# ---------------------------------------------------------------------------------------------
# Reads


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
