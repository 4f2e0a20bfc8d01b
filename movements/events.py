"""Timeline writers of movements: each says in words what happened to the case's movement.

Status changes (booked, cancelled, departed, arrived) are written by the workflow; the services
hand it a reason built here, so the timeline names the flight, the date and whether the record
was entered after the fact. Changes that do not move the status are written here as "Movement"
entries. Every writer runs inside the service's transaction.
"""

from django.utils.translation import gettext as _

from cases.choices import EventKind
from cases.events import event_record

AFTER_THE_FACT = "recorded_after_the_fact"


def _after_the_fact(text: str, recorded_after_the_fact: bool) -> str:
    if recorded_after_the_fact:
        return _("Recorded after the fact: %(what)s") % {"what": text}
    return text


def flight_words(booking) -> str:
    """ "KQ 100 KGL→NBO, flight date 2027-02-03 (ABC123)" from a booking's first segment."""
    segments = list(booking.segments.all())
    route = " / ".join(
        f"{s.carrier} {s.flight_number} {s.from_airport}→{s.to_airport}" for s in segments
    )
    text = _("%(route)s, flight date %(date)s") % {
        "route": route,
        "date": booking.departure_date.isoformat(),
    }
    if booking.booking_reference:
        text += f" ({booking.booking_reference})"
    return text


def booking_reason(booking) -> str:
    return _after_the_fact(
        _("Booked: %(flight)s.") % {"flight": flight_words(booking)},
        booking.recorded_after_the_fact,
    )


def departure_reason(departure) -> str:
    return _after_the_fact(
        _("Departed on %(date)s from %(location)s.")
        % {"date": departure.departed_on.isoformat(), "location": departure.location},
        departure.recorded_after_the_fact,
    )


def arrival_reason(arrival) -> str:
    return _after_the_fact(
        _("Arrived on %(date)s at %(airport)s, handed over to %(agency)s.")
        % {
            "date": arrival.arrived_on.isoformat(),
            "airport": arrival.airport,
            "agency": arrival.receiving_agency,
        },
        arrival.recorded_after_the_fact,
    )


def _movement(*, case, actor, reason, data):
    return event_record(case=case, kind=EventKind.MOVEMENT, actor=actor, reason=reason, data=data)


def event_booking_changed(*, booking, actor, what: str):
    return _movement(
        case=booking.case,
        actor=actor,
        reason=_("Booking %(flight)s changed: %(what)s")
        % {"flight": flight_words(booking), "what": what},
        data={"booking": booking.pk, "status": booking.status},
    )


def event_transit_checked_in(*, stay, actor):
    return _movement(
        case=stay.case,
        actor=actor,
        reason=_("Checked in at %(centre)s on %(at)s.")
        % {"centre": stay.centre, "at": stay.checked_in_at.strftime("%Y-%m-%d %H:%M")},
        data={"transit_stay": stay.pk},
    )


def event_transit_checked_out(*, stay, actor):
    return _movement(
        case=stay.case,
        actor=actor,
        reason=_("Checked out of %(centre)s on %(at)s.")
        % {"centre": stay.centre, "at": stay.checked_out_at.strftime("%Y-%m-%d %H:%M")},
        data={"transit_stay": stay.pk},
    )


def event_escort_assigned(*, case, escort, actor):
    return _movement(
        case=case,
        actor=actor,
        reason=_("%(role)s escort assigned (%(kind)s): %(name)s.")
        % {
            "role": escort.get_role_display(),
            "kind": escort.get_kind_display(),
            "name": escort.name,
        },
        data={"escort": escort.pk},
    )


def event_escort_removed(*, case, escort, actor):
    return _movement(
        case=case,
        actor=actor,
        reason=_("%(role)s escort removed: %(name)s.")
        % {"role": escort.get_role_display(), "name": escort.name},
        data={"escort": escort.pk},
    )
