"""Writes of the clinic. Each service checks that a clinician acts, validates, writes in one
transaction, names the clinician for the audit trail, and tells the case's timeline only what
every role may read (that something was recorded, the outcome for travel, its validity): never
a result, a finding or a history.

A deferred outcome moves the case to "medically deferred"; the last traveller's clearance moves a
case in "health assessment" to "medically cleared" (both through cases.workflow, as the
clinician).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.choices import CaseStatus, EventKind
from cases.errors import ApplicationError, NotPermitted
from cases.events import event_record
from cases.models import Case, Individual
from cases.workflow import TRANSITIONS_BY_NAME, case_transition

from .choices import CLEARING_OUTCOMES, CheckResult, Outcome, TravelCondition
from .models import (
    HealthAssessment,
    LabResult,
    MedicalProtocol,
    PreEmbarkationCheck,
    Vaccination,
)
from .permissions import can_see_medical_detail

# The parts of an assessment a clinician fills in after the appointment (not the outcome).
ASSESSMENT_PART_FIELDS = (
    "group",
    "scheduled_for",
    "assessed_on",
    "medical_history",
    "physical_examination",
    "mental_health_evaluation",
    "pre_test_counselling_on",
    "post_test_counselling_on",
    "chest_xray_on",
    "chest_xray_findings",
    "tb_classification",
    "specialist_referrals",
)
# Dates that record something already done: none may lie in the future.
PAST_DATE_FIELDS = (
    "assessed_on",
    "pre_test_counselling_on",
    "post_test_counselling_on",
    "chest_xray_on",
)


# ---------------------------------------------------------------------------------------------
# Helpers


def _require_clinician(actor) -> None:
    if not can_see_medical_detail(actor):
        raise NotPermitted(_("Only clinicians may record or read medical detail."))


def _full_clean(obj, *, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=True)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise ApplicationError(
                messages[0],
                field=None if field == "__all__" else field,
                extra={"errors": error.message_dict},
            ) from error
        raise ApplicationError(error.messages[0]) from error


def _refuse_future(field: str, day: datetime.date | None) -> None:
    if day is not None and day > timezone.localdate():
        raise ApplicationError(
            _("This date is in the future: record what has already happened."),
            field=field,
            code="future_date",
        )


def _check_member(individual: Individual, case: Case | None) -> None:
    if case is not None and individual.case_id != case.pk:
        raise ApplicationError(
            _("%(name)s is not a member of case %(case)s.")
            % {"name": individual.full_name, "case": case.case_number},
            field="individual",
            code="not_a_member",
        )


def protocol_for(programme) -> MedicalProtocol:
    """The programme's protocol, or an error an administrator can act on."""
    try:
        return MedicalProtocol.objects.prefetch_related("requirements").get(programme=programme)
    except MedicalProtocol.DoesNotExist:
        raise ApplicationError(
            _("The programme %(programme)s has no medical protocol: ask an administrator.")
            % {"programme": programme.code},
            code="no_protocol",
        ) from None


def _tell_timeline(*, case_id: int, actor, reason: str, data: dict) -> None:
    event_record(
        case=Case(pk=case_id), kind=EventKind.MEDICAL, actor=actor, reason=reason, data=data
    )


# ---------------------------------------------------------------------------------------------
# Health assessments


def assessment_create(
    *, actor, individual: Individual, case: Case | None = None, **parts
) -> HealthAssessment:
    """Open a person's health assessment for their case's programme: an appointment, and any
    parts already done. Refuses a person not on `case`, a second assessment of the same person
    for the same programme, and dates of things done that lie in the future."""
    _require_clinician(actor)
    _check_member(individual, case)
    unknown = set(parts) - set(ASSESSMENT_PART_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    for name in PAST_DATE_FIELDS:
        _refuse_future(name, parts.get(name))
    programme = individual.case.programme
    protocol_for(programme)
    if HealthAssessment.objects.filter(individual=individual, programme=programme).exists():
        raise _duplicate_assessment()
    assessment = HealthAssessment(individual=individual, programme=programme, **parts)
    if assessment.assessed_on and assessment.clinician_id is None:
        assessment.clinician = actor
    _full_clean(assessment)
    try:
        with transaction.atomic(), acting_as(actor):
            assessment.save()
            _tell_timeline(
                case_id=individual.case_id,
                actor=actor,
                reason=_("Health assessment opened for %(name)s.") % {"name": individual.full_name},
                data={
                    "action": "assessment_opened",
                    "individual": individual.pk,
                    "assessment": assessment.pk,
                    "programme": programme.code,
                },
            )
    except IntegrityError as error:
        # Two clinicians opening the same person's assessment at once.
        raise _duplicate_assessment() from error
    return assessment


def _duplicate_assessment() -> ApplicationError:
    return ApplicationError(
        _("This person already has a health assessment for this programme."),
        field="individual",
        code="duplicate",
    )


def assessment_update(*, actor, assessment: HealthAssessment, **changes) -> HealthAssessment:
    """Record or correct the parts of an assessment (history, examination, counselling, X-ray,
    referrals). The clinician who records them is named on the assessment."""
    _require_clinician(actor)
    unknown = set(changes) - set(ASSESSMENT_PART_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    for name in PAST_DATE_FIELDS:
        _refuse_future(name, changes.get(name))
    with transaction.atomic(), acting_as(actor):
        locked = HealthAssessment.objects.select_for_update().get(pk=assessment.pk)
        changed = [name for name, value in changes.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, changes[name])
        if "scheduled_for" not in changed or len(changed) > 1:
            locked.clinician = actor
            changed.append("clinician")
        _full_clean(locked)
        locked.save(update_fields=[*changed, "updated_at"])
        _tell_timeline(
            case_id=locked.individual.case_id,
            actor=actor,
            reason=_("Health assessment recorded for %(name)s.")
            % {"name": locked.individual.full_name},
            data={
                "action": "assessment_recorded",
                "individual": locked.individual_id,
                "assessment": locked.pk,
            },
        )
    return locked


def assessment_delete(*, actor, assessment: HealthAssessment) -> None:
    """Cancel an assessment that has no outcome yet (an appointment made in error)."""
    _require_clinician(actor)
    if assessment.outcome:
        raise ApplicationError(
            _("An assessment with an outcome is a medical record and cannot be deleted."),
            code="has_outcome",
        )
    with transaction.atomic(), acting_as(actor):
        case_id = assessment.individual.case_id
        name = assessment.individual.full_name
        individual_id = assessment.individual_id
        assessment.delete()
        _tell_timeline(
            case_id=case_id,
            actor=actor,
            reason=_("Health assessment of %(name)s cancelled.") % {"name": name},
            data={"action": "assessment_cancelled", "individual": individual_id},
        )


def lab_result_add(
    *, actor, assessment: HealthAssessment, test: str, result: str, tested_on: datetime.date
) -> LabResult:
    """Record one laboratory result of an assessment (coded test and result, dated)."""
    _require_clinician(actor)
    _refuse_future("tested_on", tested_on)
    row = LabResult(
        assessment=assessment, test=test, result=result, tested_on=tested_on, recorded_by=actor
    )
    _full_clean(row)
    with transaction.atomic(), acting_as(actor):
        row.save()
        _tell_timeline(
            case_id=assessment.individual.case_id,
            actor=actor,
            reason=_("Health assessment recorded for %(name)s.")
            % {"name": assessment.individual.full_name},
            data={
                "action": "assessment_recorded",
                "individual": assessment.individual_id,
                "assessment": assessment.pk,
            },
        )
    return row


def assessment_record_outcome(
    *,
    actor,
    assessment: HealthAssessment,
    outcome: str,
    outcome_on: datetime.date | None,
    conditions: list[str] | tuple[str, ...] = (),
    outcome_notes: str = "",
) -> HealthAssessment:
    """Record the outcome of an assessment and, for a clearance, its validity from the protocol
    (outcome date + the protocol's validity in days).

    Refuses an outcome without a date, a date in the future, conditions on anything but
    "cleared with conditions" and "cleared with conditions" without any. A deferred outcome moves
    the case to "medically deferred" when its status allows; the last traveller's clearance
    moves a case in "health assessment" to "medically cleared".
    """
    _require_clinician(actor)
    if outcome not in Outcome.values:
        raise ApplicationError(_("Choose an outcome."), field="outcome")
    if outcome_on is None:
        raise ApplicationError(_("Give the date of the outcome."), field="outcome_on")
    _refuse_future("outcome_on", outcome_on)
    conditions = list(dict.fromkeys(conditions or ()))
    if any(c not in TravelCondition.values for c in conditions):
        raise ApplicationError(_("Unknown condition for travel."), field="conditions")
    if outcome == Outcome.CLEARED_WITH_CONDITIONS and not conditions:
        raise ApplicationError(
            _("Name the conditions of this clearance (escort, wheelchair, oxygen, follow-up)."),
            field="conditions",
        )
    if outcome != Outcome.CLEARED_WITH_CONDITIONS and conditions:
        raise ApplicationError(
            _("Conditions belong only to a clearance with conditions."), field="conditions"
        )
    with transaction.atomic(), acting_as(actor):
        locked = (
            HealthAssessment.objects.select_for_update()
            .select_related("individual", "programme")
            .get(pk=assessment.pk)
        )
        if locked.assessed_on and outcome_on < locked.assessed_on:
            raise ApplicationError(
                _("The outcome cannot come before the assessment (%(date)s).")
                % {"date": date_format(locked.assessed_on)},
                field="outcome_on",
            )
        protocol = protocol_for(locked.programme)
        locked.outcome = outcome
        locked.outcome_on = outcome_on
        locked.conditions = conditions
        locked.outcome_notes = outcome_notes
        locked.valid_until = (
            outcome_on + datetime.timedelta(days=protocol.clearance_validity_days)
            if outcome in CLEARING_OUTCOMES
            else None
        )
        if locked.clinician_id is None:
            locked.clinician = actor
        _full_clean(locked)
        locked.save(
            update_fields=[
                "outcome",
                "outcome_on",
                "conditions",
                "outcome_notes",
                "valid_until",
                "clinician",
                "updated_at",
            ]
        )
        case = Case.objects.select_for_update().get(pk=locked.individual.case_id)
        _tell_timeline(
            case_id=case.pk,
            actor=actor,
            reason=_("Health assessment outcome for %(name)s: %(outcome)s.")
            % {"name": locked.individual.full_name, "outcome": locked.get_outcome_display()},
            data={
                "action": "outcome_recorded",
                "individual": locked.individual_id,
                "assessment": locked.pk,
                "outcome": outcome,
                "conditions": conditions,
                "valid_until": locked.valid_until.isoformat() if locked.valid_until else None,
            },
        )
        _move_case_after_outcome(case=case, assessment=locked, actor=actor)
    assessment.refresh_from_db()
    return locked


def _move_case_after_outcome(*, case: Case, assessment: HealthAssessment, actor) -> None:
    if assessment.programme_id != case.programme_id:
        return
    if assessment.outcome == Outcome.DEFERRED:
        if case.status in TRANSITIONS_BY_NAME["defer_medically"].sources:
            case_transition(
                case=case,
                transition="defer_medically",
                actor=actor,
                reason=_("A traveller's health assessment was deferred."),
            )
        return
    if assessment.outcome in CLEARING_OUTCOMES and case.status == CaseStatus.HEALTH_ASSESSMENT:
        from .guards import travellers_medically_cleared

        if travellers_medically_cleared(case, {}) is None:
            case_transition(
                case=case,
                transition="clear_medically",
                actor=actor,
                reason=_("Every traveller has a health clearance."),
            )


# ---------------------------------------------------------------------------------------------
# Vaccinations and pre-embarkation checks


def vaccination_record(
    *,
    actor,
    individual: Individual,
    vaccine: str,
    dose: int,
    given_on: datetime.date,
    lot_number: str,
) -> Vaccination:
    """Record a vaccine dose given to a person (vaccine, dose number, date, lot)."""
    _require_clinician(actor)
    _refuse_future("given_on", given_on)
    vaccination = Vaccination(
        individual=individual,
        vaccine=vaccine,
        dose=dose,
        given_on=given_on,
        lot_number=(lot_number or "").strip(),
        clinician=actor,
    )
    _full_clean(vaccination)
    with transaction.atomic(), acting_as(actor):
        vaccination.save()
        _tell_timeline(
            case_id=individual.case_id,
            actor=actor,
            reason=_("Vaccination recorded for %(name)s.") % {"name": individual.full_name},
            data={"action": "vaccination_recorded", "individual": individual.pk},
        )
    return vaccination


def pre_embarkation_check_record(
    *,
    actor,
    individual: Individual,
    checked_on: datetime.date,
    planned_departure: datetime.date,
    result: str,
    clinical_notes: str = "",
    case: Case | None = None,
) -> PreEmbarkationCheck:
    """Record a person's fitness to travel before a flight.

    `planned_departure` is the flight date, given by the caller until the movements app owns
    bookings. The check must fall inside the protocol's window: no earlier than the window's
    number of days before departure, and not after it.
    """
    _require_clinician(actor)
    _check_member(individual, case)
    if result not in CheckResult.values:
        raise ApplicationError(_("Choose the result of the check."), field="result")
    if checked_on is None:
        raise ApplicationError(_("Give the date of the check."), field="checked_on")
    if planned_departure is None:
        raise ApplicationError(_("Give the planned departure date."), field="planned_departure")
    _refuse_future("checked_on", checked_on)
    programme = individual.case.programme
    protocol = protocol_for(programme)
    earliest = planned_departure - datetime.timedelta(days=protocol.pre_embarkation_window_days)
    if not earliest <= checked_on <= planned_departure:
        raise ApplicationError(
            _(
                "The check must happen between %(earliest)s and the departure on %(departure)s "
                "(%(days)d days before the flight for %(programme)s)."
            )
            % {
                "earliest": date_format(earliest),
                "departure": date_format(planned_departure),
                "days": protocol.pre_embarkation_window_days,
                "programme": programme.code,
            },
            field="checked_on",
            code="outside_window",
        )
    check = PreEmbarkationCheck(
        individual=individual,
        programme=programme,
        checked_on=checked_on,
        planned_departure=planned_departure,
        result=result,
        clinical_notes=clinical_notes,
        clinician=actor,
    )
    _full_clean(check)
    with transaction.atomic(), acting_as(actor):
        check.save()
        _tell_timeline(
            case_id=individual.case_id,
            actor=actor,
            reason=_("Pre-embarkation check for %(name)s: %(result)s.")
            % {"name": individual.full_name, "result": check.get_result_display()},
            data={
                "action": "pre_embarkation_check",
                "individual": individual.pk,
                "result": result,
                "planned_departure": planned_departure.isoformat(),
            },
        )
    return check
