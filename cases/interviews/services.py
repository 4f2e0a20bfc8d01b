"""Writes of interviews: schedule, reschedule, record the outcome and the decision.

Each service checks the actor's role, validates, writes the interview and its timeline entry in
one transaction, and names the actor for the audit trail. A decision that moves the case
(approved, denied, on hold) takes its workflow steps in that same transaction: when the
workflow refuses, nothing of the decision is kept and the refusal says why.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases import listeners
from cases.audit import acting_as
from cases.choices import (
    MAIN_LINE,
    OPEN_STATES,
    CaseStatus,
    InterviewDecision,
    InterviewOutcome,
)
from cases.models import Case, Interview
from cases.workflow import case_transition
from core.errors import (
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    clean_or_refuse,
    duplicates_refused,
    existing_record,
)

from .events import (
    event_interview_outcome_recorded,
    event_interview_rescheduled,
    event_interview_scheduled,
)
from .permissions import can_record_interview_outcome, can_schedule_interview

Outcome = InterviewOutcome
Decision = InterviewDecision

# Outcomes a person records; "rescheduled" is written by interview_reschedule only.
RECORDABLE_OUTCOMES = frozenset({Outcome.COMPLETED, Outcome.NO_SHOW})
# Once one of these is recorded the interview is settled; the others may be followed by one.
FINAL_DECISIONS = frozenset({Decision.APPROVED, Decision.DENIED})
# Where a case stands once the destination has approved it: a later approval does not move it.
APPROVED_OR_FURTHER = frozenset(
    [*MAIN_LINE[MAIN_LINE.index(CaseStatus.APPROVED) :], CaseStatus.MEDICALLY_DEFERRED]
)


class InterviewConflict(ApplicationError):
    """The interview or its case is not in a state that allows this (409)."""

    status_code = 409
    default_code = "conflict"


def _appointment_taken(interview: Interview) -> DuplicateRecord | None:
    """The refusal of an appointment sent again: same case, kind and time (the natural key the
    database enforces as `interview_natural_key`), naming the interview that exists."""
    existing = (
        Interview.objects.filter(
            case_id=interview.case_id, kind=interview.kind, scheduled_for=interview.scheduled_for
        )
        .exclude(outcome=Outcome.RESCHEDULED)
        .exclude(pk=interview.pk)
        .select_related("case")
        .first()
    )
    if existing is None:
        return None
    return DuplicateRecord(
        _("This interview is already scheduled: %(kind)s of case %(case)s on %(when)s (id %(id)d).")
        % {
            "kind": existing.get_kind_display(),
            "case": existing.case.case_number,
            "when": _local(existing.scheduled_for),
            "id": existing.pk,
        },
        existing=existing_record(
            "interview", existing, url=existing.case.get_absolute_url(), api="api-interview-detail"
        ),
        field="scheduled_for",
    )


def _save_appointment(interview: Interview) -> None:
    """Save a new appointment, refusing it when it exists already (checked, or lost race)."""
    refusal = _appointment_taken(interview)
    if refusal is not None:
        raise refusal
    with duplicates_refused({"interview_natural_key": lambda: _appointment_taken(interview)}):
        interview.save()


def _check_aware(value, *, field: str = "scheduled_for") -> None:
    if not isinstance(value, datetime.datetime):
        raise ApplicationError(_("Give the date and time of the interview."), field=field)
    if timezone.is_naive(value):
        raise ApplicationError(_("Give the time with its time zone."), field=field)


def _check_case_open(case: Case) -> None:
    if case.status not in OPEN_STATES:
        raise InterviewConflict(
            _("Interviews are scheduled for open cases only; this case is “%(status)s”.")
            % {"status": case.get_status_display()},
            field="case",
            code="case_not_open",
        )


def _local(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def interview_schedule(
    *, actor, case: Case, kind: str, scheduled_for: datetime.datetime, venue="", interviewer=""
) -> Interview:
    """Schedule an interview of an open case.

    Refuses a role other than caseworker or administrator (NotPermitted), a case that is not
    open (409, field `case`), a time without its zone, an unknown kind (400 naming the field).
    """
    if not can_schedule_interview(actor):
        raise NotPermitted(_("Only caseworkers and administrators schedule interviews."))
    _check_aware(scheduled_for)
    with transaction.atomic(), acting_as(actor):
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        _check_case_open(locked)
        interview = Interview(
            case=locked,
            kind=kind,
            scheduled_for=scheduled_for,
            venue=(venue or "").strip(),
            interviewer=(interviewer or "").strip(),
        )
        clean_or_refuse(interview)
        _save_appointment(interview)
        event_interview_scheduled(case=locked, actor=actor, interview=interview)
    return interview


def interview_reschedule(
    *,
    actor,
    interview: Interview,
    scheduled_for: datetime.datetime,
    venue: str | None = None,
    interviewer: str | None = None,
    reason: str = "",
) -> Interview:
    """Move a scheduled interview to a new time: the old one is marked rescheduled and a new
    scheduled interview of the same kind is created; both go on the timeline. Returns the new one.

    Venue and interviewer stay as they were unless given. Only a scheduled interview of an open
    case can be rescheduled, and only to a time still to come.
    """
    if not can_schedule_interview(actor):
        raise NotPermitted(_("Only caseworkers and administrators reschedule interviews."))
    _check_aware(scheduled_for)
    if scheduled_for <= timezone.now():
        raise ApplicationError(
            _("The new date and time must be in the future."), field="scheduled_for"
        )
    reason = (reason or "").strip()
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=interview.case_id)
        old = Interview.objects.select_for_update().get(pk=interview.pk)
        if old.outcome != Outcome.SCHEDULED:
            raise InterviewConflict(
                _("Only a scheduled interview can be rescheduled; this one is “%(outcome)s”.")
                % {"outcome": old.get_outcome_display()},
                field="outcome",
                code="not_scheduled",
            )
        _check_case_open(case)
        new = Interview(
            case=case,
            kind=old.kind,
            scheduled_for=scheduled_for,
            venue=old.venue if venue is None else venue.strip(),
            interviewer=old.interviewer if interviewer is None else interviewer.strip(),
        )
        clean_or_refuse(new)
        old.outcome = Outcome.RESCHEDULED
        old.recorded_by = actor
        old.save(update_fields=["outcome", "recorded_by", "updated_at"])
        _save_appointment(new)
        event_interview_rescheduled(case=case, actor=actor, old=old, new=new, reason=reason)
    interview.outcome = old.outcome
    return new


def _check_outcome_input(outcome, decision, decided_on) -> None:
    """The rules that hold whatever the interview: which outcome, which decision, which date."""
    if outcome == Outcome.RESCHEDULED:
        raise ApplicationError(
            _("To reschedule, give the new date with “Reschedule”: it books the new interview."),
            field="outcome",
        )
    if outcome not in RECORDABLE_OUTCOMES:
        raise ApplicationError(_("Record the outcome as completed or no-show."), field="outcome")
    if decision and decision not in Decision.values:
        raise ApplicationError(_("Unknown decision."), field="decision")
    if decision and outcome != Outcome.COMPLETED:
        raise ApplicationError(
            _("A no-show cannot carry a decision: only a completed interview can."),
            field="decision",
        )
    if decision and decided_on is None:
        raise ApplicationError(_("A decision needs the date it was made."), field="decided_on")
    if decided_on is not None and not decision:
        raise ApplicationError(
            _("A decision date was given without a decision."), field="decided_on"
        )
    if decided_on is not None and decided_on > timezone.localdate():
        raise ApplicationError(_("The decision date cannot be in the future."), field="decided_on")


def _check_recordable(interview: Interview, outcome, decision, decided_on) -> None:
    """The rules that depend on the interview: it has taken place and is not settled yet."""
    if interview.scheduled_for > timezone.now():
        raise ApplicationError(
            _(
                "This interview is scheduled for %(when)s: record its outcome once it has "
                "taken place."
            )
            % {"when": _local(interview.scheduled_for)},
            field="outcome",
            code="not_yet_held",
        )
    # A completed interview whose decision is still open may receive its decision later
    # (adjudication decisions often come weeks after the interview).
    awaits_decision = (
        interview.outcome == Outcome.COMPLETED
        and interview.decision not in FINAL_DECISIONS
        and outcome == Outcome.COMPLETED
        and decision
    )
    if interview.outcome != Outcome.SCHEDULED and not awaits_decision:
        if interview.decision in FINAL_DECISIONS:
            message = _("This interview's decision is already recorded: “%(decision)s”.") % {
                "decision": interview.get_decision_display()
            }
        else:
            message = _("This interview's outcome is already recorded: “%(outcome)s”.") % {
                "outcome": interview.get_outcome_display()
            }
        raise InterviewConflict(message, field="outcome", code="already_recorded")
    held_on = timezone.localtime(interview.scheduled_for).date()
    if decided_on is not None and decided_on < held_on:
        raise ApplicationError(
            _("A decision cannot be dated before the interview (%(date)s).")
            % {"date": formats.date_format(held_on, "DATE_FORMAT")},
            field="decided_on",
        )


def _decision_reason(interview: Interview) -> str:
    """The reason the case's timeline gives for a move made by this decision."""
    reason = _("%(decision)s at the %(kind)s interview of %(date)s, decided on %(decided_on)s.") % {
        "decision": interview.get_decision_display(),
        "kind": interview.get_kind_display(),
        "date": formats.date_format(timezone.localtime(interview.scheduled_for), "DATE_FORMAT"),
        "decided_on": formats.date_format(interview.decided_on, "DATE_FORMAT"),
    }
    if interview.notes:
        reason = f"{reason} {interview.notes}"
    return reason


def _move_case_on_decision(*, case: Case, interview: Interview, actor) -> list[str]:
    """Take the workflow steps the decision calls for; returns their names.

    A decision that matches where the case already stands (approved again, denied again,
    on hold again) does not move it. Any step the workflow refuses raises TransitionRefused.
    """
    decision = interview.decision
    context = {"interview": interview.pk}
    reason = _decision_reason(interview)
    steps: list[str] = []
    if decision == Decision.APPROVED:
        if case.status in APPROVED_OR_FURTHER:
            return steps
        if case.status == CaseStatus.REFERRED:
            steps.append("start_pre_screening")
        steps.append("approve")
    elif decision == Decision.DENIED and case.status != CaseStatus.DENIED:
        steps.append("deny")
    elif decision == Decision.ON_HOLD and case.status != CaseStatus.ON_HOLD:
        steps.append("hold")
    for step in steps:
        case_transition(
            case=case,
            transition=step,
            actor=actor,
            reason=reason,
            context=context,
            authorised_by="interview_decision",
        )
    return steps


def interview_record_outcome(
    *,
    actor,
    interview: Interview,
    outcome: str,
    decision: str | None = None,
    decided_on: datetime.date | None = None,
    notes: str = "",
) -> Interview:
    """Record how an interview went and, for a completed one, the decision.

    Rules: the outcome is completed or no-show, and the interview's time has passed; only a
    completed interview carries a decision; a decision needs its date, not in the future nor
    before the interview; a completed interview without a final decision may receive one later.
    An approved decision moves the case to approved (starting pre-screening first when it is
    still referred); denied denies it; on hold puts it on hold; each with the decision as reason.
    Everything is one transaction: if the workflow refuses (TransitionRefused, NotPermitted),
    nothing is saved.
    """
    if not can_record_interview_outcome(actor):
        raise NotPermitted(_("Your role may not record interview outcomes."))
    decision = decision or ""
    notes = (notes or "").strip()
    _check_outcome_input(outcome, decision, decided_on)
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=interview.case_id)
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        _check_recordable(locked, outcome, decision, decided_on)
        previous = {"outcome": locked.outcome, "decision": locked.decision}
        locked.outcome = outcome
        locked.decision = decision
        locked.decided_on = decided_on
        if notes:
            locked.notes = notes
        locked.recorded_by = actor
        clean_or_refuse(locked)
        locked.save(
            update_fields=[
                "outcome",
                "decision",
                "decided_on",
                "notes",
                "recorded_by",
                "updated_at",
            ]
        )
        event_interview_outcome_recorded(
            case=case, actor=actor, interview=locked, previous=previous
        )
        if decision:
            listeners.decision_recorded(interview=locked, case=case)
            _move_case_on_decision(case=case, interview=locked, actor=actor)
    return locked
