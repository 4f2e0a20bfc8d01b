"""Workflow guards about health, registered with cases.workflow in MedicalConfig.ready.

Each returns None when the condition holds, or one sentence that names every traveller at fault
and why, with dates, so a caseworker or movement officer knows whom to send back to the clinic.
The sentences carry no medical detail: only whether a person is cleared, until when, and the
result of the pre-embarkation check.
"""

import datetime

from django.utils.translation import gettext as _

from cases.workflow import StepContext

from .choices import CLEARING_OUTCOMES, CheckResult, Outcome
from .selectors import latest_checks_by_person, travellers_with_assessments


def _on_day(context) -> tuple[datetime.date, bool]:
    """The planned departure date of the step's context, else the event's own date (history
    entered later), else today; and whether it is a departure."""
    context = StepContext.parse(context)
    return context.check_date, context.departure_date is not None


def clearance_problem(person, assessment, day: datetime.date, is_departure: bool) -> str | None:
    """Why `person` is not cleared for travel on `day`, or None."""
    name = person.full_name
    if assessment is None:
        return _("%(name)s has no health clearance") % {"name": name}
    if assessment.outcome == Outcome.DEFERRED:
        return _("%(name)s is medically deferred") % {"name": name}
    if assessment.outcome == Outcome.NOT_CLEARED:
        return _("%(name)s was not medically cleared") % {"name": name}
    if assessment.outcome not in CLEARING_OUTCOMES:
        return _("%(name)s's health assessment has no outcome yet") % {"name": name}
    if assessment.valid_until < day:
        values = {
            "name": name,
            "expiry": assessment.valid_until.isoformat(),
            "date": day.isoformat(),
        }
        if is_departure:
            return (
                _("%(name)s's clearance expires on %(expiry)s, before the departure on %(date)s")
                % values
            )
        return _("%(name)s's clearance expired on %(expiry)s") % values
    if assessment.outcome_on and day < assessment.outcome_on:
        return _("%(name)s was cleared only on %(cleared)s, after %(date)s") % {
            "name": name,
            "cleared": assessment.outcome_on.isoformat(),
            "date": day.isoformat(),
        }
    return None


def travellers_medically_cleared(case, context):
    """Every member of the case holds a clearance (cleared, or cleared with conditions) for the
    case's programme that is valid on context.departure_date, else context.event_date, else
    today."""
    day, is_departure = _on_day(context)
    problems = [
        problem
        for person, assessment in travellers_with_assessments(case)
        if (problem := clearance_problem(person, assessment, day, is_departure))
    ]
    if problems:
        return "; ".join(problems) + "."
    return None


def fit_to_travel(case, context):
    """Every traveller has a pre-embarkation check and no traveller's latest check is "unfit"."""
    members = list(case.members.all())
    latest = latest_checks_by_person([m.pk for m in members])
    missing = [m.full_name for m in members if m.pk not in latest]
    unfit = [
        m.full_name for m in members if m.pk in latest and latest[m.pk].result == CheckResult.UNFIT
    ]
    problems = []
    if unfit:
        problems.append(
            _("Found unfit to travel at the pre-embarkation check: %(names)s.")
            % {"names": ", ".join(unfit)}
        )
    if missing:
        problems.append(
            _("No pre-embarkation check is recorded for: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return " ".join(problems) or None
