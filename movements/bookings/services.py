"""Writes of movements: bookings, cancelling, departure, arrival, transit stays, escorts.

Each service checks the actor's role, locks the case row first, validates, writes its rows and
moves the case through `cases.workflow.case_transition` in one transaction: a refused step
(the workflow's guards, readiness included) rolls every row back, so nothing is half-written.
Dates are checked on the event's own date, never silently on today's; history (a flight that
happened before the office used the system) is entered with `recorded_after_the_fact=True`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import acting_as
from cases.choices import CaseStatus
from cases.models import Case
from cases.workflow import case_transition
from core.dates import in_range, out_of_range_message
from core.errors import ApplicationError, DuplicateRecord, NotPermitted, existing_record
from movements import events, listeners, windows
from movements.airports import (
    airport_time,
    airport_zone,
    flight_label,
    resolve_airport,
)
from movements.bookings.selectors import travellers_needing_medical_escort
from movements.choices import OPEN_BOOKING_STATUSES, BookingStatus, EscortKind, EscortRole
from movements.listeners import BookingChange
from movements.locks import lock_case, lock_cases, lock_own
from movements.models import (
    DEFAULT_TRANSIT_CENTRE,
    Arrival,
    Booking,
    Departure,
    Escort,
    FlightSegment,
    TransitStay,
    TravelGroup,
    Traveller,
)
from movements.notices import services as notices
from movements.permissions import can_manage_movements

S = CaseStatus
# A departure may be recorded on the booked flight date or the day after (a flight delayed
# past midnight); any other date needs the booking changed first.
DEPARTURE_DELAY_DAYS = 1


def _require_movement_officer(actor) -> None:
    if not can_manage_movements(actor):
        raise NotPermitted(_("Only movement officers record bookings, departures and arrivals."))


def _lock_case(case: Case | int) -> Case:
    # The first lock of every movements service: the case, FOR NO KEY UPDATE (movements.locks).
    return lock_case(case)


def _aware(value: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A time read on an airport's clock: naive means local time there."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=zone)
    return value


def _segments(rows: list[dict]) -> list[FlightSegment]:
    """Flight segments from input rows, with times in each airport's own zone, checked."""
    if not rows:
        raise ApplicationError(_("A booking needs at least one flight."), field="segments")
    segments = []
    for index, row in enumerate(rows):
        at = f"segments[{index}]"
        # The airports by IATA code; each zone from the airport dataset unless a canonical
        # zone is given instead (movements.airports, one rule for every door).
        from_code, from_name, _found = resolve_airport(
            code=row.get("from_airport"),
            zone=row.get("from_timezone") or "",
            code_field=f"{at}.from_airport",
            zone_field=f"{at}.from_timezone",
        )
        to_code, to_name, _found = resolve_airport(
            code=row.get("to_airport"),
            zone=row.get("to_timezone") or "",
            code_field=f"{at}.to_airport",
            zone_field=f"{at}.to_timezone",
        )
        from_zone = zoneinfo.ZoneInfo(from_name)
        to_zone = zoneinfo.ZoneInfo(to_name)
        carrier = (row.get("carrier") or "").strip()
        number = (row.get("flight_number") or "").strip().upper()
        if not carrier:
            raise ApplicationError(_("Give the carrier."), field=f"{at}.carrier")
        if not number:
            raise ApplicationError(_("Give the flight number."), field=f"{at}.flight_number")
        for moment in ("departs_at", "arrives_at"):
            given = row.get(moment)
            if isinstance(given, datetime.date) and not in_range(given):
                raise ApplicationError(out_of_range_message(), field=f"{at}.{moment}")
        segment = FlightSegment(
            order=index + 1,
            carrier=carrier,
            flight_number=number,
            from_airport=from_code,
            to_airport=to_code,
            departs_at=_aware(row["departs_at"], from_zone),
            arrives_at=_aware(row["arrives_at"], to_zone),
            from_timezone=from_name,
            to_timezone=to_name,
        )
        if segment.from_airport == segment.to_airport:
            raise ApplicationError(
                _("A flight goes from one airport to another."), field=f"{at}.to_airport"
            )
        if segment.arrives_at <= segment.departs_at:
            raise ApplicationError(
                _("This flight lands (%(arrives)s) before it takes off (%(departs)s).")
                % {
                    "arrives": airport_time(segment.arrives_at, to_name),
                    "departs": airport_time(segment.departs_at, from_name),
                },
                field=f"{at}.arrives_at",
            )
        if segments and segment.departs_at <= segments[-1].arrives_at:
            raise ApplicationError(
                _("This flight leaves before the previous one lands."), field=f"{at}.departs_at"
            )
        if segments and segment.from_airport != segments[-1].to_airport:
            raise ApplicationError(
                _("This flight leaves from %(airport)s, where the previous one did not land.")
                % {"airport": segment.from_airport},
                field=f"{at}.from_airport",
            )
        segments.append(segment)
    return segments


def _travellers(case: Case, rows: list[dict]) -> list[Traveller]:
    """One traveller per member of the case: a booking leaving a member out is refused."""
    members = {m.pk: m for m in case.members.all()}
    given: dict[int, str] = {}
    for index, row in enumerate(rows):
        pid = row.get("individual")
        pid = getattr(pid, "pk", pid)
        if pid not in members:
            raise ApplicationError(
                _("This person is not a member of the case."),
                field=f"travellers[{index}].individual",
            )
        if pid in given:
            raise ApplicationError(
                _("This person is on the booking twice."), field=f"travellers[{index}].individual"
            )
        given[pid] = (row.get("ticket_number") or "").strip()
    left_out = [m.full_name for pid, m in members.items() if pid not in given]
    if left_out:
        raise ApplicationError(
            _("Families travel together: the booking leaves out %(names)s.")
            % {"names": ", ".join(left_out)},
            field="travellers",
            code="member_left_out",
        )
    return [Traveller(individual_id=pid, ticket_number=number) for pid, number in given.items()]


def _claim_tickets(seats: Iterable[Traveller], *, booking_id: int | None, fields) -> None:
    """Check the ticket numbers of `seats` before they are written.

    A number already on another traveller is refused, naming it, on the traveller's field
    (`fields(seat)`), except a traveller's own ticket on a cancelled booking of theirs (a
    rebooking after a cancellation or a no-show reissues it): that ticket moves to the new
    seat (the old row's history keeps it)."""
    numbers: dict[str, Traveller] = {}
    for seat in seats:
        if not seat.ticket_number:
            continue
        if seat.ticket_number in numbers:
            raise ApplicationError(
                _("The ticket number %(number)s is given to two travellers.")
                % {"number": seat.ticket_number},
                field=fields(seat),
                code="duplicate",
            )
        numbers[seat.ticket_number] = seat
    if not numbers:
        return
    holders = Traveller.objects.filter(ticket_number__in=numbers).select_related("booking")
    if booking_id is not None:
        holders = holders.exclude(booking_id=booking_id)
    released = []
    # Read, not locked: only the traveller's own cancelled seats (rows of this case, whose lock
    # the caller holds) are written; another case's rows are never locked from here.
    for holder in holders:
        seat = numbers[holder.ticket_number]
        if (
            holder.individual_id == seat.individual_id
            and holder.booking.status == BookingStatus.CANCELLED
        ):
            holder.ticket_number = ""
            released.append(holder)
            continue
        raise ApplicationError(
            _("The ticket number %(number)s is already on another traveller.")
            % {"number": seat.ticket_number},
            field=fields(seat),
            code="ticket_in_use",
        )
    Traveller.objects.filter(pk__in=[h.pk for h in released]).update(ticket_number="")


def _integrity(error: IntegrityError) -> ApplicationError:
    """The refusal a database constraint stands for, on its field: a record already there is a
    409 `duplicate`; a ticket number another traveller holds stays a 400 on the tickets."""
    text = str(error)
    if "ticket_number_unique" in text:
        return ApplicationError(
            _("A ticket number is already on another traveller."),
            field="travellers",
            code="duplicate",
        )
    if "one_open_booking_per_case" in text:
        # Lost a race to a booking made meanwhile: a re-sent record, as in the other apps.
        return DuplicateRecord(
            _("This case already has a booking that is not cancelled."),
            existing={"kind": "booking"},
            field="case",
        )
    if "escort_once" in text:
        return ApplicationError(
            _("This escort is already assigned."), field="name", code="duplicate"
        )
    if "one_open_transit_stay_per_case" in text:
        return DuplicateRecord(
            _("This household is already checked in."),
            existing={"kind": "transit_stay"},
            field="case",
        )
    if "arrival_after_departure" in text or "is not after its departure" in text:
        return ApplicationError(
            _("The arrival cannot be before the departure."), field="arrived_on"
        )
    return ApplicationError(_("The change conflicts with existing records."), code="conflict")


def _escorts(rows: Iterable[dict]) -> list[Escort]:
    escorts = []
    for index, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        if not name:
            raise ApplicationError(_("Give the escort's name."), field=f"escorts[{index}].name")
        kind = row.get("kind") or EscortKind.STAFF
        role = row.get("role") or EscortRole.MEDICAL
        if kind not in EscortKind.values:
            raise ApplicationError(_("Unknown kind of escort."), field=f"escorts[{index}].kind")
        if role not in EscortRole.values:
            raise ApplicationError(_("Unknown escort role."), field=f"escorts[{index}].role")
        escorts.append(
            Escort(kind=kind, role=role, name=name, contact=(row.get("contact") or "").strip())
        )
    return escorts


# ---------------------------------------------------------------------------------------------
# Bookings


def booking_create(
    *,
    actor,
    case: Case | int,
    segments: list[dict],
    travellers: list[dict],
    booking_reference: str = "",
    status: str = BookingStatus.BOOKED,
    travel_group: TravelGroup | None = None,
    escorts: Iterable[dict] = (),
    recorded_after_the_fact: bool = False,
) -> Booking:
    """Book every member of a ready case on a flight and move the case to "booked".

    The flight date is the first segment's local date in Kigali; the workflow's "book" step
    checks readiness on that date (approval, clearances, documents, orientation, no other open
    booking, the pre-embarkation check possible, a medical escort where one is needed, the date
    not in the past unless `recorded_after_the_fact`). Any refusal writes nothing."""
    _require_movement_officer(actor)
    if status not in OPEN_BOOKING_STATUSES:
        raise ApplicationError(_("A new booking is requested, booked or ticketed."), field="status")
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(case)
        flights = _segments(segments)
        seats = _travellers(locked, travellers)
        if status == BookingStatus.TICKETED and not all(t.ticket_number for t in seats):
            raise ApplicationError(
                _("A ticketed booking has a ticket number for every traveller."),
                field="travellers",
            )
        index = {seat.individual_id: n for n, seat in enumerate(seats)}
        _claim_tickets(
            seats,
            booking_id=None,
            fields=lambda seat: f"travellers[{index[seat.individual_id]}].ticket_number",
        )
        booking = Booking(
            case=locked,
            status=status,
            departure_date=timezone.localdate(flights[0].departs_at),
            booking_reference=(booking_reference or "").strip().upper(),
            travel_group=travel_group,
            recorded_after_the_fact=recorded_after_the_fact,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                booking.save()
                for segment in flights:
                    segment.booking = booking
                FlightSegment.objects.bulk_create(flights)
                for seat in seats:
                    seat.booking = booking
                Traveller.objects.bulk_create(seats)
                extra = _escorts(escorts)
                for escort in extra:
                    escort.booking = booking
                    escort.created_by = actor
                Escort.objects.bulk_create(extra)
        except IntegrityError as error:
            raise _integrity(error) from error
        case_transition(
            case=locked,
            transition="book",
            actor=actor,
            reason=events.booking_reason(booking),
            context={
                "departure_date": booking.departure_date,
                "booking_id": booking.pk,
                "recorded_after_the_fact": recorded_after_the_fact,
            },
        )
        # Booking again after a cancellation: the new booking follows the last cancelled one.
        replaced = (
            Booking.objects.filter(case_id=locked.pk, status=BookingStatus.CANCELLED)
            .exclude(pk=booking.pk)
            .order_by("-created_at", "-id")
            .first()
        )
        listeners.booking_changed(
            booking=booking,
            change=BookingChange.BOOKED,
            changes={"status": [None, booking.status]},
            replaces=replaced,
        )
        if replaced is not None:
            listeners.booking_changed(
                booking=replaced, change=BookingChange.REBOOKED, replaces=booking
            )
            # A rebooking of a notified booking sends the new booking's notice by itself.
            notices.notice_for_rebooking(actor=actor, booking=booking, replaced=replaced)
    return booking


def booking_update(
    *,
    actor,
    booking: Booking,
    tickets: dict[int, str] | None = None,
    booking_reference: str | None = None,
    status: str | None = None,
) -> Booking:
    """Record ticket numbers, the booking reference, or the move to "ticketed" of an open
    booking; the timeline says what changed."""
    _require_movement_officer(actor)
    with transaction.atomic(), acting_as(actor):
        _lock_case(booking.case_id)
        booking = lock_own(Booking, booking.pk)
        told = notices.booking_facts(booking)
        before = {"booking_reference": booking.booking_reference, "status": booking.status}
        if booking.status not in OPEN_BOOKING_STATUSES:
            raise ApplicationError(
                _("A %(status)s booking cannot be changed.")
                % {"status": booking.get_status_display().lower()},
                field="status",
            )
        changed = []
        seats = {t.individual_id: t for t in booking.travellers.select_related("individual")}
        for pid, number in (tickets or {}).items():
            seat = seats.get(int(pid))
            if seat is None:
                raise ApplicationError(_("This person is not on the booking."), field="tickets")
            number = (number or "").strip()
            if seat.ticket_number != number:
                seat.ticket_number = number
                changed.append(seat)
        if booking_reference is not None:
            booking.booking_reference = booking_reference.strip().upper()
        if status is not None:
            if status not in OPEN_BOOKING_STATUSES:
                raise ApplicationError(
                    _("Cancel a booking with “Cancel the booking”; it is flown at departure."),
                    field="status",
                )
            booking.status = status
        if booking.status == BookingStatus.TICKETED and not all(
            s.ticket_number for s in seats.values()
        ):
            raise ApplicationError(
                _("A ticketed booking has a ticket number for every traveller."), field="status"
            )
        _claim_tickets(changed, booking_id=booking.pk, fields=lambda seat: "tickets")
        try:
            with transaction.atomic():
                Traveller.objects.bulk_update(changed, ["ticket_number"])
                booking.save(update_fields=["booking_reference", "status", "updated_at"])
        except IntegrityError as error:
            raise _integrity(error) from error
        what = [
            _("status %(status)s") % {"status": booking.get_status_display()},
        ]
        if changed:
            what.append(_("%(count)d ticket numbers") % {"count": len(changed)})
        events.event_booking_changed(booking=booking, actor=actor, what=", ".join(what))
        changes = {
            name: [was, getattr(booking, name)]
            for name, was in before.items()
            if was != getattr(booking, name)
        }
        if changed:
            changes["ticket_numbers"] = len(changed)
        if changes:
            listeners.booking_changed(
                booking=booking, change=BookingChange.UPDATED, changes=changes
            )
        # A mission already notified gets an amended notice saying what changed.
        notices.notice_booking_changed(
            booking,
            notices.booking_changes(told, notices.booking_facts(booking), tickets=len(changed)),
            actor=actor,
        )
    return booking


def booking_cancel(*, actor, booking: Booking, reason: str) -> Booking:
    """Cancel an open booking with its reason; the case returns to "ready to travel". The
    booking stays, cancelled, in the case's history; booking again makes a new one."""
    _require_movement_officer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for cancelling."), field="reason")
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(booking.case_id)
        booking = lock_own(Booking, booking.pk)
        was = booking.status
        if booking.status not in OPEN_BOOKING_STATUSES:
            raise ApplicationError(
                _("Only an open booking can be cancelled (this one is %(status)s).")
                % {"status": booking.get_status_display().lower()},
                field="status",
            )
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_reason = reason
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_reason", "cancelled_at", "updated_at"])
        case_transition(
            case=locked,
            transition="cancel_booking",
            actor=actor,
            reason=_("%(reason)s (booking %(flight)s)")
            % {"reason": reason, "flight": events.flight_words(booking)},
            context={"booking_id": booking.pk, "departure_date": booking.departure_date},
        )
        # A mission already notified is told that the booking is cancelled; never the reason
        # (free text that may speak of health: movements.mission).
        notices.notice_booking_changed(
            booking, {gettext_lazy("booking"): gettext_lazy("cancelled")}, actor=actor
        )
        # The reason is free text (it may speak of health): partners are not given it.
        listeners.booking_changed(
            booking=booking,
            change=BookingChange.CANCELLED,
            changes={"status": [was, booking.status]},
        )
    return booking


# ---------------------------------------------------------------------------------------------
# Departure and arrival


def _check_arrival_day(booking: Booking, arrived_on: datetime.date) -> None:
    """The arrival day is not before the last flight lands, and that flight has landed, on the
    arrival airport's clock."""
    last = _last_segment(booking)
    if last is None:
        return
    zone = last.to_timezone
    tz = airport_zone(zone)
    if timezone.now() < last.arrives_at:
        raise ApplicationError(
            _("%(flight)s lands at %(lands)s: an arrival is recorded once it has landed.")
            % {"flight": _flight_name(last), "lands": airport_time(last.arrives_at, zone)},
            field="arrived_on",
            code="not_landed",
        )
    lands_on = timezone.localdate(last.arrives_at, tz)
    if arrived_on < lands_on:
        raise ApplicationError(
            _("%(flight)s lands at %(lands)s: the arrival cannot be on %(date)s, before it.")
            % {
                "flight": _flight_name(last),
                "lands": airport_time(last.arrives_at, zone),
                "date": formats.date_format(arrived_on, "DATE_FORMAT"),
            },
            field="arrived_on",
            code="before_landing",
        )
    if arrived_on > timezone.localdate(timezone.now(), tz):
        raise ApplicationError(
            _("%(date)s has not come yet at %(airport)s: an arrival is recorded once it happened.")
            % {"date": formats.date_format(arrived_on, "DATE_FORMAT"), "airport": last.to_airport},
            field="arrived_on",
            code="future",
        )


def _first_segment(booking: Booking) -> FlightSegment | None:
    return booking.segments.order_by("order").first()


def _last_segment(booking: Booking) -> FlightSegment | None:
    return booking.segments.order_by("-order").first()


def _flight_name(segment: FlightSegment) -> str:
    return flight_label(segment.carrier, segment.flight_number)


def check_in_opens(segment: FlightSegment) -> datetime.datetime:
    """When the check-in window of a flight opens: `MOVEMENTS_CHECK_IN_HOURS` before take-off.
    A departure or a no-show is recorded from then on, never before."""
    return segment.departs_at - datetime.timedelta(hours=settings.MOVEMENTS_CHECK_IN_HOURS)


def _check_departure_time(booking: Booking, departed_at: datetime.datetime) -> None:
    """A departure is on the first flight's day (or the next, a flight delayed past midnight, on
    the departure airport's clock), not before its check-in window opens."""
    first = _first_segment(booking)
    if first is None:  # a booking without its flights: the booked date is all there is
        latest = booking.departure_date + datetime.timedelta(days=DEPARTURE_DELAY_DAYS)
        if not booking.departure_date <= timezone.localdate(departed_at) <= latest:
            raise ApplicationError(
                _(
                    "The booked flight date is %(booked)s: change the booking before recording "
                    "this departure."
                )
                % {"booked": formats.date_format(booking.departure_date, "DATE_FORMAT")},
                field="departed_at",
                code="not_flight_day",
            )
        return
    zone = first.from_timezone
    opens = check_in_opens(first)
    if departed_at < opens:
        raise ApplicationError(
            _(
                "Check-in for %(flight)s opens at %(opens)s (%(hours)s hours before take-off at "
                "%(departs)s): a departure at %(given)s is too early."
            )
            % {
                "flight": _flight_name(first),
                "opens": airport_time(opens, zone),
                "hours": settings.MOVEMENTS_CHECK_IN_HOURS,
                "departs": airport_time(first.departs_at, zone),
                "given": airport_time(departed_at, zone),
            },
            field="departed_at",
            code="before_check_in",
        )
    tz = airport_zone(zone)
    flight_day = timezone.localdate(first.departs_at, tz)
    if timezone.localdate(departed_at, tz) > flight_day + datetime.timedelta(
        days=DEPARTURE_DELAY_DAYS
    ):
        raise ApplicationError(
            _(
                "%(flight)s was booked to leave at %(departs)s, not on the day of %(given)s: "
                "change the booking before recording this departure."
            )
            % {
                "flight": _flight_name(first),
                "departs": airport_time(first.departs_at, zone),
                "given": airport_time(departed_at, zone),
            },
            field="departed_at",
            code="not_flight_day",
        )


def departure_record(
    *,
    actor,
    booking: Booking,
    departed_at: datetime.datetime | None = None,
    recorded_after_the_fact: bool = False,
    notes: str = "",
    boarded: Iterable[int] | None = None,
) -> Departure:
    """Record that the booked household left, on the day (or, as history, after the fact).

    The departure is on the first flight's day, not before its check-in window
    (`check_in_opens`), never in the future; an earlier day than today needs
    `recorded_after_the_fact`. `boarded` lists who boarded (everyone when not given): families
    travel together, so a member left behind is refused (a household that did not board is a
    no-show, `no_show_record`). Every traveller is marked boarded. The case's camp, destination
    and movement type are copied onto the departure (what the yearly figures count). The
    workflow's "depart" step checks, on the departure date, every traveller's clearance and
    travel document, a "fit" pre-embarkation check inside the protocol's window, and a medical
    escort where one is needed."""
    _require_movement_officer(actor)
    now = timezone.now()
    departed_at = departed_at or now
    if timezone.is_naive(departed_at):
        departed_at = timezone.make_aware(departed_at)
    departed_on = timezone.localdate(departed_at)
    today = timezone.localdate()
    if departed_on > today or departed_at > now + datetime.timedelta(minutes=5):
        raise ApplicationError(
            _("A departure is recorded once it has happened: %(given)s is still to come.")
            % {"given": airport_time(departed_at, settings.TIME_ZONE)},
            field="departed_at",
            code="future",
        )
    if departed_on < today and not recorded_after_the_fact:
        raise ApplicationError(
            _(
                "The departure on %(date)s is in the past: a departure is recorded on the day, or "
                "as history (recorded after the fact)."
            )
            % {"date": formats.date_format(departed_on, "DATE_FORMAT")},
            field="departed_at",
            code="past",
        )
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(booking.case_id)
        booking = lock_own(Booking, booking.pk)
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.TICKETED):
            raise ApplicationError(
                _("Only a booked or ticketed flight departs (this booking is %(status)s).")
                % {"status": booking.get_status_display().lower()},
                field="booking",
            )
        _check_departure_time(booking, departed_at)
        seats = list(booking.travellers.select_related("individual"))
        if boarded is not None:
            on_board = {int(getattr(p, "pk", p)) for p in boarded}
            left = [s.individual.full_name for s in seats if s.individual_id not in on_board]
            if left:
                raise ApplicationError(
                    _(
                        "Families travel together: %(names)s did not board. Record the departure "
                        "when everyone boards, or a no-show for the household."
                    )
                    % {"names": ", ".join(left)},
                    field="boarded",
                    code="member_not_boarded",
                )
        departure = Departure.objects.create(
            booking=booking,
            case=locked,
            departed_on=departed_on,
            departed_at=departed_at,
            location_id=locked.location_id,
            destination_country_id=locked.destination_country_id,
            movement_type_id=locked.movement_type_id,
            recorded_after_the_fact=recorded_after_the_fact,
            notes=notes,
            recorded_by=actor,
        )
        was = booking.status
        booking.status = BookingStatus.FLOWN
        booking.save(update_fields=["status", "updated_at"])
        Traveller.objects.filter(booking_id=booking.pk).update(boarded=True)
        TransitStay.objects.filter(
            case_id=locked.pk, checked_out_at__isnull=True, checked_in_at__lt=departed_at
        ).update(checked_out_at=departed_at)
        case_transition(
            case=locked,
            transition="depart",
            actor=actor,
            reason=events.departure_reason(departure),
            context={
                "departure_date": departed_on,
                "booking_id": booking.pk,
                "recorded_after_the_fact": recorded_after_the_fact,
            },
        )
        listeners.booking_changed(
            booking=booking,
            change=BookingChange.DEPARTED,
            changes={"status": [was, booking.status], "departed_at": departed_at},
        )
    return departure


def no_show_record(*, actor, booking: Booking, reason: str) -> Booking:
    """Record that the booked household did not board: a no-show.

    From the check-in window's opening on (`check_in_opens`), a booked or ticketed booking is
    closed as a no-show (cancelled, with the reason; every traveller marked not boarded) and the
    case goes back to "ready to travel" through the workflow's "no_show" step, on the timeline
    with the reason. No departure is written: nothing counts the household as departed. The
    mission already notified gets an amended notice (without the free-text reason)."""
    _require_movement_officer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason the household did not board."), field="reason")
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(booking.case_id)
        booking = lock_own(Booking, booking.pk)
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.TICKETED):
            raise ApplicationError(
                _("Only a booked or ticketed flight has no-shows (this booking is %(status)s).")
                % {"status": booking.get_status_display().lower()},
                field="booking",
                code="not_open",
            )
        first = _first_segment(booking)
        now = timezone.now()
        if first is not None and now < check_in_opens(first):
            raise ApplicationError(
                _(
                    "Check-in for %(flight)s opens at %(opens)s: a no-show is recorded once the "
                    "household could have boarded. To drop the flight before, cancel the booking."
                )
                % {
                    "flight": _flight_name(first),
                    "opens": airport_time(check_in_opens(first), first.from_timezone),
                },
                field="reason",
                code="before_check_in",
            )
        was = booking.status
        booking.status = BookingStatus.CANCELLED
        booking.no_show = True
        booking.cancelled_reason = _("Did not board (no-show): %(reason)s") % {"reason": reason}
        booking.cancelled_at = now
        booking.save(
            update_fields=["status", "no_show", "cancelled_reason", "cancelled_at", "updated_at"]
        )
        Traveller.objects.filter(booking_id=booking.pk).update(boarded=False)
        case_transition(
            case=locked,
            transition="no_show",
            actor=actor,
            reason=_("Did not board %(flight)s: %(reason)s")
            % {"flight": events.flight_words(booking), "reason": reason},
            context={"booking_id": booking.pk, "departure_date": booking.departure_date},
        )
        notices.notice_booking_changed(
            booking, {_("booking"): _("the household did not board (no-show)")}, actor=actor
        )
        listeners.booking_changed(
            booking=booking,
            change=BookingChange.CANCELLED,
            changes={"status": [was, booking.status], "no_show": True},
        )
    return booking


def arrival_record(
    *,
    actor,
    booking: Booking,
    arrived_on: datetime.date,
    airport: str,
    receiving_agency: str,
    recorded_after_the_fact: bool = False,
    notes: str = "",
) -> Arrival:
    """Record the arrival and handover of a departed household; the case moves to "arrived".

    The arrival is not before the last flight lands, on the arrival airport's clock, and never
    in the future (the flight has landed, the day has come there); never before the departure
    (checked here and by a database trigger)."""
    _require_movement_officer(actor)
    airport, _zone, _found = resolve_airport(
        code=airport, code_field="airport", zone_field="airport"
    )
    agency = (receiving_agency or "").strip()
    if not agency:
        raise ApplicationError(_("Name the receiving agency."), field="receiving_agency")
    if arrived_on > timezone.localdate() + datetime.timedelta(days=1):
        # A day ahead of Kigali: the destination's calendar may be.
        raise ApplicationError(
            _("An arrival is recorded once it has happened."), field="arrived_on", code="future"
        )
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(booking.case_id)
        departure = Departure.objects.filter(booking_id=booking.pk).first()
        if departure is None:
            raise ApplicationError(_("Record the departure before the arrival."), field="booking")
        if arrived_on < departure.departed_on:
            raise ApplicationError(
                _("The arrival (%(arrived)s) cannot be before the departure (%(departed)s).")
                % {
                    "arrived": formats.date_format(arrived_on, "DATE_FORMAT"),
                    "departed": formats.date_format(departure.departed_on, "DATE_FORMAT"),
                },
                field="arrived_on",
            )
        _check_arrival_day(booking, arrived_on)
        try:
            with transaction.atomic():
                arrival = Arrival.objects.create(
                    booking_id=booking.pk,
                    case=locked,
                    arrived_on=arrived_on,
                    airport=airport,
                    receiving_agency=agency,
                    recorded_after_the_fact=recorded_after_the_fact,
                    notes=notes,
                    recorded_by=actor,
                )
        except IntegrityError as error:
            if "booking_id" in str(error):
                raise ApplicationError(
                    _("This arrival is already recorded."), field="booking", code="duplicate"
                ) from error
            raise _integrity(error) from error
        case_transition(
            case=locked,
            transition="arrive",
            actor=actor,
            reason=events.arrival_reason(arrival),
            context={"booking_id": booking.pk, "departure_date": departure.departed_on},
        )
        listeners.booking_changed(
            booking=booking,
            change=BookingChange.ARRIVED,
            changes={
                "arrived_on": arrival.arrived_on,
                "airport": arrival.airport,
                "receiving_agency": arrival.receiving_agency,
            },
        )
    return arrival


# ---------------------------------------------------------------------------------------------
# Transit stays and escorts


def transit_check_in(
    *,
    actor,
    case: Case,
    checked_in_at: datetime.datetime | None = None,
    centre: str = DEFAULT_TRANSIT_CENTRE,
    notes: str = "",
    recorded_after_the_fact: bool = False,
) -> TransitStay:
    """Check a booked household in at the transit centre before its flight.

    As for bookings, departures and arrivals, a check-in on an earlier day than today is
    history: refused unless `recorded_after_the_fact`; never ahead of time."""
    _require_movement_officer(actor)
    now = timezone.now()
    checked_in_at = checked_in_at or now
    if timezone.is_naive(checked_in_at):
        checked_in_at = timezone.make_aware(checked_in_at)
    if checked_in_at > now + datetime.timedelta(minutes=5):
        raise ApplicationError(_("A check-in is recorded when it happens."), field="checked_in_at")
    checked_in_on = timezone.localdate(checked_in_at)
    if checked_in_on < timezone.localdate(now) and not recorded_after_the_fact:
        raise ApplicationError(
            _(
                "The check-in on %(date)s is in the past: a check-in is recorded on the day, or "
                "as history (recorded after the fact)."
            )
            % {"date": formats.date_format(checked_in_on, "DATE_FORMAT")},
            field="checked_in_at",
            code="past",
        )
    with transaction.atomic(), acting_as(actor):
        locked = _lock_case(case)
        booking = (
            Booking.objects.filter(case_id=locked.pk, status__in=OPEN_BOOKING_STATUSES)
            .order_by("-id")
            .first()
        )
        if booking is None or locked.status != S.BOOKED:
            raise ApplicationError(
                _("Only a booked household comes to the transit centre."), field="case"
            )
        try:
            with transaction.atomic():
                stay = TransitStay.objects.create(
                    case=locked,
                    booking=booking,
                    centre=(centre or DEFAULT_TRANSIT_CENTRE).strip(),
                    checked_in_at=checked_in_at,
                    recorded_after_the_fact=recorded_after_the_fact,
                    notes=notes,
                    recorded_by=actor,
                )
        except IntegrityError as error:
            raise _integrity(error) from error
        events.event_transit_checked_in(stay=stay, actor=actor)
    return stay


def transit_check_out(
    *, actor, stay: TransitStay, checked_out_at: datetime.datetime | None = None
) -> TransitStay:
    """Check a household out of the transit centre."""
    _require_movement_officer(actor)
    checked_out_at = checked_out_at or timezone.now()
    with transaction.atomic(), acting_as(actor):
        _lock_case(stay.case_id)
        stay = lock_own(TransitStay, stay.pk, related=("case",))
        if stay.checked_out_at is not None:
            raise ApplicationError(
                _("This household has already checked out."), field="checked_out_at"
            )
        if checked_out_at <= stay.checked_in_at:
            raise ApplicationError(_("Check-out must come after check-in."), field="checked_out_at")
        stay.checked_out_at = checked_out_at
        stay.save(update_fields=["checked_out_at"])
        events.event_transit_checked_out(stay=stay, actor=actor)
    return stay


def _escort_fields(*, kind: str, role: str, name: str, contact: str) -> Escort:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the escort's name."), field="name")
    if kind not in EscortKind.values:
        raise ApplicationError(_("Choose staff or hired."), field="kind")
    if role not in EscortRole.values:
        raise ApplicationError(_("Choose operational or medical."), field="role")
    return Escort(kind=kind, role=role, name=name, contact=(contact or "").strip())


def _escort_bookings(*, booking_id: int | None, group_id: int | None) -> list[Booking]:
    """The bookings an escort of this booking or travel group travels with."""
    if booking_id:
        qs = Booking.objects.filter(pk=booking_id)
    else:
        qs = Booking.objects.filter(travel_group_id=group_id)
    return list(qs.select_related("case").order_by("pk"))


def _refuse_after_departure(bookings: list[Booking]) -> None:
    """After a departure nothing on that flight's manifest changes."""
    if (
        any(b.status == BookingStatus.FLOWN for b in bookings)
        or Departure.objects.filter(booking__in=[b.pk for b in bookings]).exists()
    ):
        raise ApplicationError(
            _(
                "This booking is on a flight that has left: its escorts and travellers stay as "
                "they travelled."
            ),
            field="booking",
            code="departed",
        )


def _escort_words(escort: Escort) -> str:
    return f"{escort.name} ({escort.get_role_display()}, {escort.get_kind_display()})"


def escort_assign(
    *,
    actor,
    kind: str,
    role: str,
    name: str,
    contact: str = "",
    booking: Booking | None = None,
    travel_group: TravelGroup | None = None,
) -> Escort:
    """Assign an escort to an open booking or to a travel group (then to each of its cases):
    the one escort service of bookings and groups.

    The cases concerned are locked first, then the booking or group. Refused, nothing changed:
    a booking that is not open, a flight that has left (`departed`), the same escort twice
    (`duplicate`). Each case's timeline says so, and a mission already notified of a booking
    concerned gets an amended notice (queued on commit)."""
    _require_movement_officer(actor)
    if (booking is None) == (travel_group is None):
        raise ApplicationError(
            _("An escort accompanies one booking or one travel group."), field="booking"
        )
    escort = _escort_fields(kind=kind, role=role, name=name, contact=contact)
    with transaction.atomic(), acting_as(actor):
        scope = _escort_bookings(
            booking_id=booking.pk if booking is not None else None,
            group_id=travel_group.pk if travel_group is not None else None,
        )
        lock_cases(b.case_id for b in scope)
        if booking is not None:
            locked = lock_own(Booking, booking.pk, related=("case",))
            _refuse_after_departure([locked])
            if locked.status not in OPEN_BOOKING_STATUSES:
                raise ApplicationError(
                    _("Escorts are assigned to open bookings."),
                    field="booking",
                    code="booking_not_open",
                )
            escort.booking = locked
            scope = [locked]
        else:
            group = lock_own(TravelGroup, travel_group.pk)
            _refuse_after_departure(scope)
            escort.travel_group = group
        escort.created_by = actor
        try:
            with transaction.atomic():
                escort.save()
        except IntegrityError as error:
            if "escort_once" not in str(error):
                raise _integrity(error) from error
            same = Escort.objects.filter(
                booking=escort.booking, travel_group=escort.travel_group, name=escort.name
            ).first()
            raise DuplicateRecord(
                _("This escort is already assigned."),
                field="name",
                existing=existing_record("escort", same or escort),
            ) from error
        for concerned in scope:
            if booking is not None:
                events.event_escort_assigned(case=concerned.case, escort=escort, actor=actor)
            else:
                events.event_group_escort_assigned(
                    case=concerned.case, group=escort.travel_group, escort=escort, actor=actor
                )
            notices.notice_booking_changed(
                concerned,
                {gettext_lazy("escort added"): _escort_words(escort)},
                actor=actor,
            )
    return escort


def escort_remove(*, actor, escort: Escort) -> None:
    """Take an escort off a booking or group; the timeline of each case concerned says so, and
    a mission already notified gets an amended notice (queued on commit).

    The cases are locked first (the workflow's lock order), then the escort. Refused, nothing
    changed: the escorts of a flight that has left are history (`departed`); a medical escort a
    traveller needs stays until another medical escort travels in her place
    (`escort_required`)."""
    _require_movement_officer(actor)
    with transaction.atomic(), acting_as(actor):
        scope = _escort_bookings(booking_id=escort.booking_id, group_id=escort.travel_group_id)
        lock_cases(b.case_id for b in scope)
        try:
            escort = lock_own(Escort, escort.pk)
        except Escort.DoesNotExist as error:
            raise ApplicationError(
                _("This escort was removed meanwhile."), field="escort", code="gone"
            ) from error
        _refuse_after_departure(scope)
        if escort.role == EscortRole.MEDICAL:
            for concerned in scope:
                if concerned.status not in OPEN_BOOKING_STATUSES:
                    continue
                needing = travellers_needing_medical_escort(concerned.case)
                others = Escort.objects.filter(role=EscortRole.MEDICAL).exclude(pk=escort.pk)
                mine = Q(booking_id=concerned.pk)
                if concerned.travel_group_id:
                    mine |= Q(travel_group_id=concerned.travel_group_id)
                if needing and not others.filter(mine).exists():
                    raise ApplicationError(
                        _(
                            "%(escort)s is the medical escort %(names)s must travel with: assign "
                            "another medical escort in her place first."
                        )
                        % {"escort": escort.name, "names": ", ".join(needing)},
                        field="escort",
                        code="escort_required",
                    )
        words = _escort_words(escort)
        for concerned in scope:
            events.event_escort_removed(case=concerned.case, escort=escort, actor=actor)
        escort.delete()
        for concerned in scope:
            notices.notice_booking_changed(
                concerned, {gettext_lazy("escort removed"): words}, actor=actor
            )


def travel_windows_rebuild() -> int:
    """Recompute every case's travel window (the triggers keep them; a database loaded with
    triggers off needs this once). Returns the number of windows. Works in batches of cases, each
    committed on its own outside a transaction, after ANALYZE (one statement over every case was
    planned badly without statistics and held its locks throughout)."""
    return windows.refresh_all_in_batches(connection)
