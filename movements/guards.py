"""Workflow guards about movements, registered with cases.workflow in MovementsConfig.ready.

Each takes `(case, context)` and returns None when its condition holds, or a sentence a movement
officer can act on. Every date they check is the event's date (`context.departure_date`: the
flight's or the departure's), never silently today's. The readiness selector asks the same
functions (movements.bookings.selectors.READINESS_GUARDS), so the board and the workflow agree.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from medical.choices import CheckResult
from medical.models import PreEmbarkationCheck

from .bookings.selectors import (
    booking_has_medical_escort,
    event_day,
    pre_embarkation_window_days,
    travellers_needing_medical_escort,
)
from .choices import OPEN_BOOKING_STATUSES
from .models import Booking


def flight_date_allowed(case, context):
    """A flight date in the past is refused, unless the booking is history recorded after the
    fact."""
    day = event_day(context)
    if context.recorded_after_the_fact:
        return None
    if day < timezone.localdate():
        return _(
            "The flight date %(date)s is in the past: choose a later date, or record the flight "
            "as history (recorded after the fact)."
        ) % {"date": day.isoformat()}
    return None


def no_open_booking(case, context):
    """The case holds no other booking that is not cancelled (the database enforces it too)."""
    others = Booking.objects.filter(case_id=case.pk, status__in=OPEN_BOOKING_STATUSES)
    if context.booking_id:
        others = others.exclude(pk=context.booking_id)
    existing = others.order_by("-id").first()
    if existing:
        return _(
            "The case already has a booking for %(date)s (%(reference)s): cancel it before "
            "booking again."
        ) % {"date": existing.departure_date.isoformat(), "reference": existing.booking_reference}
    return None


def pre_embarkation_possible(case, context):
    """The programme has a protocol saying when the pre-embarkation check is due, and no
    traveller was found unfit at their latest check."""
    if pre_embarkation_window_days(case) is None:
        return _(
            "The programme %(programme)s has no medical protocol: the pre-embarkation check "
            "cannot be planned."
        ) % {"programme": case.programme}
    members = {m.pk: m.full_name for m in case.members.all()}
    latest = (
        PreEmbarkationCheck.objects.filter(individual_id__in=list(members))
        .order_by("individual_id", "-checked_on", "-id")
        .distinct("individual_id")
        .values_list("individual_id", "result", "checked_on")
    )
    unfit = [
        _("%(name)s (%(date)s)") % {"name": members[pid], "date": on.isoformat()}
        for pid, result, on in latest
        if result == CheckResult.UNFIT
    ]
    if unfit:
        return _("Found unfit to travel at the latest pre-embarkation check: %(names)s.") % {
            "names": ", ".join(unfit)
        }
    return None


def fit_check_in_window(case, context):
    """Every traveller has a check of "fit" (or "fit with a medical escort") dated inside the
    protocol's window before the departure date, and none on or after it was "unfit"."""
    day = event_day(context)
    window = pre_embarkation_window_days(case)
    if window is None:
        return _("The programme %(programme)s has no medical protocol.") % {
            "programme": case.programme
        }
    earliest = day - datetime.timedelta(days=window)
    members = {m.pk: m.full_name for m in case.members.all()}
    latest = dict(
        PreEmbarkationCheck.objects.filter(
            individual_id__in=list(members), checked_on__gte=earliest, checked_on__lte=day
        )
        .order_by("individual_id", "-checked_on", "-id")
        .distinct("individual_id")
        .values_list("individual_id", "result")
    )
    missing = [name for pid, name in members.items() if latest.get(pid) is None]
    unfit = [name for pid, name in members.items() if latest.get(pid) == CheckResult.UNFIT]
    problems = []
    if missing:
        problems.append(
            _(
                "No pre-embarkation check between %(start)s and %(end)s (the protocol's "
                "%(days)d days before departure) for: %(names)s."
            )
            % {
                "start": earliest.isoformat(),
                "end": day.isoformat(),
                "days": window,
                "names": ", ".join(missing),
            }
        )
    if unfit:
        problems.append(
            _("Unfit to travel at the pre-embarkation check: %(names)s.")
            % {"names": ", ".join(unfit)}
        )
    return " ".join(problems) or None


def _booking(case, context) -> Booking | None:
    booking_id = context.booking_id
    if not booking_id:
        return None
    return Booking.objects.filter(pk=booking_id, case_id=case.pk).first()


def medical_escort_assigned(case, context):
    """When a traveller's clearance (or pre-embarkation check) asks for a medical escort, one is
    assigned to the booking or its travel group."""
    names = travellers_needing_medical_escort(case)
    if not names:
        return None
    booking = _booking(case, context)
    if booking is not None and booking_has_medical_escort(booking):
        return None
    return _(
        "A medical escort must travel with %(names)s: assign one to the booking or its travel "
        "group."
    ) % {"names": ", ".join(names)}


def recorded_in_movements(case, context):
    """Booking, cancelling, departure and arrival are recorded with their booking on the
    movements pages (or API): the step alone would leave no flight behind."""
    if _booking(case, context) is None:
        return _(
            "This step is recorded with its booking: use the movement pages (Movements → "
            "Readiness board) or the movements API."
        )
    return None
