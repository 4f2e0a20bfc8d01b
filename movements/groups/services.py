"""Travel groups: the writes. A group holds bookings (each booking is a whole case: a household
travels together) that fly on the same day on the same first flight. Writes check the actor,
lock the case first, then the group, then the booking (`movements.locks`, the order of
cases/workflow.py), write in one transaction, tell the timeline of each case touched and name the
actor for the audit trail. After the group's flight has left its manifest stays as it travelled.
Escorts of a group are assigned by the one escort service (`movements.bookings.services`).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.audit import acting_as
from core.errors import ApplicationError, DuplicateRecord, NotPermitted, existing_record
from movements import events
from movements.choices import OPEN_BOOKING_STATUSES, BookingStatus
from movements.locks import lock_case, lock_own
from movements.models import Booking, Departure, FlightSegment, TravelGroup
from movements.permissions import can_manage_movements


def _require_officer(actor) -> None:
    if not can_manage_movements(actor):
        raise NotPermitted(_("Only movement officers and administrators may change travel groups."))


def _lock_group(group: TravelGroup | int) -> TravelGroup:
    # After the cases (movements.locks): the group row alone.
    return lock_own(TravelGroup, group if isinstance(group, int) else group.pk)


def _lock_booking_and_group(group: TravelGroup, booking: Booking) -> tuple[TravelGroup, Booking]:
    """The lock order of movements: the booking's case, then the group, then the booking."""
    case_id = Booking.objects.filter(pk=booking.pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Booking.DoesNotExist
    lock_case(case_id)
    locked = _lock_group(group)
    return locked, lock_own(Booking, booking.pk, related=("case",))


def _group_has_left(group: TravelGroup) -> bool:
    """Some booking of the group has departed (flown): its manifest is history."""
    return (
        Booking.objects.filter(travel_group=group, status=BookingStatus.FLOWN).exists()
        or Departure.objects.filter(booking__travel_group=group).exists()
    )


def _refuse_after_departure(group: TravelGroup, booking: Booking) -> None:
    if booking.status == BookingStatus.FLOWN or _group_has_left(group):
        raise ApplicationError(
            _("This group's flight has left: its manifest stays as it travelled."),
            field="booking",
            code="departed",
        )


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
        existing = TravelGroup.objects.filter(name=group.name, flight_date=flight_date).first()
        raise DuplicateRecord(
            _("A travel group of this name already flies that day."),
            field="name",
            existing=existing_record(
                "travel_group",
                existing or group,
                url=reverse("movements:group_detail", kwargs={"pk": existing.pk})
                if existing
                else "",
                api="api-travel-group",
            ),
        ) from error
    return group


def travel_group_add_booking(*, actor, group: TravelGroup, booking: Booking) -> Booking:
    """Put a booked case (the whole household, as booked) into `group`.

    Refused: a booking that is cancelled or flown, in another group, flying on another day than
    the group, or on another first flight than the bookings already in the group.
    """
    _require_officer(actor)
    with transaction.atomic(), acting_as(actor):
        locked, booking = _lock_booking_and_group(group, booking)
        if _group_has_left(locked):
            _refuse_after_departure(locked, booking)
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
        locked, booking = _lock_booking_and_group(group, booking)
        if booking.travel_group_id != locked.pk:
            raise ApplicationError(
                _("Case %(case)s is not in this group.") % {"case": booking.case.case_number},
                field="booking",
                code="not_in_group",
            )
        _refuse_after_departure(locked, booking)
        booking.travel_group = None
        booking.save(update_fields=["travel_group", "updated_at"])
        events.event_travel_group_left(booking=booking, group=locked, actor=actor)
    return booking


# ---------------------------------------------------------------------------------------------
# Reads
