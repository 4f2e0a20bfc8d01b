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

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.choices import CaseStatus
from cases.models import Case, Individual
from cases.workflow import TRANSITIONS_BY_NAME, StepContext, case_transition
from core.dates import in_range, out_of_range_message
from core.errors import (
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    clean_or_refuse,
    duplicates_refused,
    existing_record,
)

from .choices import (
    CHEST_XRAY,
    CLEARING_OUTCOMES,
    CheckResult,
    Finding,
    LabResultValue,
    LabTest,
    Outcome,
    TravelCondition,
)
from .events import (
    event_assessment_cancelled,
    event_assessment_opened,
    event_assessment_recorded,
    event_outcome_recorded,
    event_pre_embarkation_checked,
    event_vaccination_recorded,
)
from .models import (
    HealthAssessment,
    LabResult,
    MedicalProtocol,
    PreEmbarkationCheck,
    TreatmentCompletion,
    Vaccination,
)
from .permissions import can_see_medical_detail, can_sign_outcome
from .selectors import assessment_findings, implied_conditions

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


def _require_physician(actor) -> None:
    _require_clinician(actor)
    if not can_sign_outcome(actor):
        raise NotPermitted(
            _(
                "Only a physician signs the outcome of a health assessment: nurses and "
                "laboratory staff record its parts."
            )
        )


def _refuse_future(field: str, day: datetime.date | None) -> None:
    if day is not None and not in_range(day):
        raise ApplicationError(out_of_range_message(), field=field, code="out_of_range")
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
    assessment = HealthAssessment(individual=individual, programme=programme, **parts)
    if assessment.assessed_on and assessment.clinician_id is None:
        assessment.clinician = actor
    clean_or_refuse(assessment)
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(individual.case_id)
        _refuse_taken(_assessment_taken(assessment))
        with duplicates_refused(
            {
                "one_assessment_per_person_and_programme": lambda: _assessment_taken(assessment),
            }
        ):
            assessment.save()
        event_assessment_opened(case=case, actor=actor, assessment=assessment)
    return assessment


def _lock_case(case_id: int) -> Case:
    """The case row first, then the clinic's own rows (the lock order of cases.workflow)."""
    return Case.objects.select_for_update(no_key=True).get(pk=case_id)


def _refuse_taken(refusal: DuplicateRecord | None) -> None:
    if refusal is not None:
        raise refusal


def _assessment_taken(assessment: HealthAssessment) -> DuplicateRecord | None:
    """A second assessment of one person for one programme, naming the one that exists."""
    existing = (
        HealthAssessment.objects.filter(
            individual_id=assessment.individual_id, programme_id=assessment.programme_id
        )
        .exclude(pk=assessment.pk)
        .first()
    )
    if existing is None:
        return None
    return DuplicateRecord(
        _("This person already has a health assessment for this programme (id %(id)d).")
        % {"id": existing.pk},
        existing=existing_record(
            "health_assessment",
            existing,
            label=str(assessment),
            url=existing.get_absolute_url(),
            api="medical-assessment-detail",
        ),
        field="individual",
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
        case = _lock_case(assessment.individual.case_id)
        locked = HealthAssessment.objects.select_for_update().get(pk=assessment.pk)
        changed = [name for name, value in changes.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, changes[name])
        if "scheduled_for" not in changed or len(changed) > 1:
            locked.clinician = actor
            changed.append("clinician")
        clean_or_refuse(locked)
        locked.save(update_fields=[*changed, "updated_at"])
        event_assessment_recorded(case=case, actor=actor, assessment=locked)
    return locked


def assessment_delete(*, actor, assessment: HealthAssessment) -> None:
    """Cancel an assessment that has no outcome yet (an appointment made in error)."""
    _require_clinician(actor)
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(assessment.individual.case_id)
        locked = HealthAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.outcome:
            raise ApplicationError(
                _("An assessment with an outcome is a medical record and cannot be deleted."),
                code="has_outcome",
            )
        person = assessment.individual
        locked.delete()
        event_assessment_cancelled(case=case, actor=actor, person=person)


def _lab_result_taken(row: LabResult) -> DuplicateRecord | None:
    """A result recorded again (assessment, test, date), naming the one that exists."""
    existing = LabResult.objects.filter(
        assessment_id=row.assessment_id, test=row.test, tested_on=row.tested_on
    ).first()
    if existing is None:
        return None
    return DuplicateRecord(
        _(
            "A %(test)s result of %(date)s is already recorded on this assessment: "
            "%(result)s (id %(id)d)."
        )
        % {
            "test": existing.get_test_display(),
            "date": existing.tested_on.isoformat(),
            "result": existing.get_result_display(),
            "id": existing.pk,
        },
        existing=existing_record(
            "lab_result",
            existing,
            label=str(existing),
            url=reverse("medical:assessment", kwargs={"pk": existing.assessment_id}),
        ),
        field="tested_on",
    )


def lab_result_add(
    *, actor, assessment: HealthAssessment, test: str, result: str, tested_on: datetime.date
) -> LabResult:
    """Record one laboratory result of an assessment (coded test and result, dated). One result
    per assessment, test and day: the same result sent again is refused, naming the one
    recorded (DuplicateRecord, a 409 `duplicate` in the API)."""
    _require_clinician(actor)
    _refuse_future("tested_on", tested_on)
    row = LabResult(
        assessment=assessment, test=test, result=result, tested_on=tested_on, recorded_by=actor
    )
    clean_or_refuse(row, exclude=["assessment"])
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(assessment.individual.case_id)
        _refuse_taken(_lab_result_taken(row))
        with duplicates_refused({"lab_result_natural_key": lambda: _lab_result_taken(row)}):
            row.save()
        event_assessment_recorded(case=case, actor=actor, assessment=assessment)
    return row


def _treatment_taken(row: TreatmentCompletion) -> DuplicateRecord | None:
    existing = TreatmentCompletion.objects.filter(
        assessment_id=row.assessment_id, finding=row.finding, completed_on=row.completed_on
    ).first()
    if existing is None:
        return None
    return DuplicateRecord(
        _("This completed treatment (%(finding)s, %(date)s) is already recorded (id %(id)d).")
        % {
            "finding": existing.get_finding_display(),
            "date": existing.completed_on.isoformat(),
            "id": existing.pk,
        },
        existing=existing_record(
            "treatment",
            existing,
            url=reverse("medical:assessment", kwargs={"pk": existing.assessment_id}),
        ),
        field="completed_on",
    )


def treatment_record_completed(
    *,
    actor,
    assessment: HealthAssessment,
    finding: str,
    completed_on: datetime.date | None,
    notes: str = "",
) -> TreatmentCompletion:
    """Record that the treatment a result needed before travel is completed (any clinician).

    Refused for a result the assessment does not show or that needs no treatment before travel
    under the protocol (code `no_such_finding`), a date before the result's or in the future, and
    the same completion sent twice (DuplicateRecord). The outcome can then be a clearance.
    """
    _require_clinician(actor)
    if finding not in Finding.values:
        raise ApplicationError(_("Choose the result that was treated."), field="finding")
    if completed_on is None:
        raise ApplicationError(
            _("Give the date the treatment was completed."), field="completed_on"
        )
    _refuse_future("completed_on", completed_on)
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(assessment.individual.case_id)
        locked = (
            HealthAssessment.objects.select_for_update(of=("self",))
            .select_related("individual", "programme")
            .get(pk=assessment.pk)
        )
        protocol = protocol_for(locked.programme)
        current = {f.finding: f for f in assessment_findings(locked, protocol)}
        treated = current.get(finding)
        if treated is None or not treated.treatment_before_travel:
            raise ApplicationError(
                _(
                    "This assessment shows no result “%(finding)s” that needs treatment before "
                    "travel."
                )
                % {"finding": Finding(finding).label},
                field="finding",
                code="no_such_finding",
            )
        if treated.found_on and completed_on < treated.found_on:
            raise ApplicationError(
                _("The treatment cannot be completed before the result (%(date)s).")
                % {"date": date_format(treated.found_on)},
                field="completed_on",
            )
        row = TreatmentCompletion(
            assessment=locked,
            finding=finding,
            completed_on=completed_on,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        clean_or_refuse(row, exclude=["assessment", "recorded_by"])
        _refuse_taken(_treatment_taken(row))
        with duplicates_refused(
            {"treatment_completion_natural_key": lambda: _treatment_taken(row)}
        ):
            row.save()
        event_assessment_recorded(case=case, actor=actor, assessment=locked)
    return row


def missing_protocol_parts(assessment: HealthAssessment, protocol: MedicalProtocol) -> list[str]:
    """Each part the protocol requires of this person at their age on the assessment date that
    is not recorded yet, in words: the assessment date, the physical examination, each required
    laboratory test (a result "not done" does not count), the chest X-ray and its TB class."""
    missing = []
    if assessment.assessed_on is None:
        missing.append(_("the assessment date"))
    if not (assessment.physical_examination or "").strip():
        missing.append(_("the physical examination"))
    day = assessment.assessed_on or timezone.localdate()
    required = protocol.parts_for_age(assessment.individual.age_on(day))
    done = set(
        assessment.lab_results.exclude(result=LabResultValue.NOT_DONE).values_list(
            "test", flat=True
        )
    )
    for test in LabTest:
        if test.value in required and test.value not in done:
            missing.append(_("the %(test)s result") % {"test": test.label})
    if CHEST_XRAY in required:
        if assessment.chest_xray_on is None:
            missing.append(_("the chest X-ray"))
        if not assessment.tb_classification:
            missing.append(_("the TB classification"))
    return missing


def _unfit_refusal(locked: HealthAssessment, findings) -> ApplicationError | None:
    """Why a clearance cannot be signed while results stop travel, naming each one."""
    stopping = [f for f in findings if f.stops_travel]
    if not stopping:
        return None
    names = [f.label for f in stopping]
    return ApplicationError(
        _(
            "%(name)s is not fit to travel under the protocol of %(programme)s: %(results)s "
            "needs treatment before travel and no completed treatment is recorded. Record the "
            "outcome as deferred until the treatment is completed."
        )
        % {
            "name": locked.individual.full_name,
            "programme": locked.programme.code,
            "results": ", ".join(names),
        },
        field="outcome",
        code="unfit_to_travel",
        extra={"findings": [f.finding for f in stopping]},
    )


def assessment_record_outcome(
    *,
    actor,
    assessment: HealthAssessment,
    outcome: str,
    outcome_on: datetime.date | None,
    conditions: list[str] | tuple[str, ...] = (),
    outcome_notes: str = "",
) -> HealthAssessment:
    """Record the outcome of an assessment, signed by a physician (`can_sign_outcome`; a nurse
    is refused, NotPermitted), and for a clearance its validity from the protocol (outcome date
    + the protocol's validity in days).

    A clearing outcome (cleared, cleared with conditions) is refused while any part the
    protocol requires for the person's age is missing (`missing_protocol_parts`, code
    `protocol_incomplete`), and while any result makes the person unfit to travel under the
    protocol: TB class A, or a result whose rule needs treatment before travel, with no
    completed treatment recorded (code `unfit_to_travel`, naming each result). The conditions
    the results imply (follow-up, escort) come from the protocol's rules and are added to those
    the physician gives; "cleared" is refused when the results imply any (code
    `conditions_implied`). Deferred and not cleared may be recorded at any time. Refuses an
    outcome without a date or in the future, conditions on anything but "cleared with
    conditions" and "cleared with conditions" without any. A deferred outcome moves the case to
    "medically deferred" when its status allows; the last traveller's clearance moves a case in
    "health assessment" to "medically cleared", checked on the outcome's date (history entered
    later is judged on its own day).
    """
    _require_physician(actor)
    if outcome not in Outcome.values:
        raise ApplicationError(_("Choose an outcome."), field="outcome")
    if outcome_on is None:
        raise ApplicationError(_("Give the date of the outcome."), field="outcome_on")
    _refuse_future("outcome_on", outcome_on)
    typed = list(dict.fromkeys(conditions or ()))
    if any(c not in TravelCondition.values for c in typed):
        raise ApplicationError(_("Unknown condition for travel."), field="conditions")
    if outcome != Outcome.CLEARED_WITH_CONDITIONS and typed:
        raise ApplicationError(
            _("Conditions belong only to a clearance with conditions."), field="conditions"
        )
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(assessment.individual.case_id)
        locked = (
            HealthAssessment.objects.select_for_update(of=("self",))
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
        conditions = []
        if outcome in CLEARING_OUTCOMES:
            missing = missing_protocol_parts(locked, protocol)
            if missing:
                raise ApplicationError(
                    _(
                        "%(name)s cannot be cleared yet: the protocol of %(programme)s still "
                        "needs %(parts)s."
                    )
                    % {
                        "name": locked.individual.full_name,
                        "programme": locked.programme.code,
                        "parts": ", ".join(str(part) for part in missing),
                    },
                    field="outcome",
                    code="protocol_incomplete",
                    extra={"missing": [str(part) for part in missing]},
                )
            findings = assessment_findings(locked, protocol)
            unfit = _unfit_refusal(locked, findings)
            if unfit is not None:
                raise unfit
            implied = implied_conditions(findings)
            if outcome == Outcome.CLEARED and implied:
                raise ApplicationError(
                    _(
                        "The results imply conditions for travel under the protocol "
                        "(%(conditions)s): record “cleared with conditions”."
                    )
                    % {"conditions": ", ".join(str(TravelCondition(c).label) for c in implied)},
                    field="outcome",
                    code="conditions_implied",
                    extra={"conditions": implied},
                )
            conditions = [c for c in TravelCondition.values if c in {*implied, *typed}]
            if outcome == Outcome.CLEARED_WITH_CONDITIONS and not conditions:
                raise ApplicationError(
                    _(
                        "Name the conditions of this clearance (escort, wheelchair, oxygen, "
                        "follow-up): no result implies any."
                    ),
                    field="conditions",
                )
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
        clean_or_refuse(locked)
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
        event_outcome_recorded(case=case, actor=actor, assessment=locked)
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

        # Checked on the day the last traveller was cleared, never today: a clearance entered
        # later (a past year's history) counts on its own date.
        context = StepContext(event_date=_last_clearance_day(case, assessment))
        if travellers_medically_cleared(case, context) is None:
            case_transition(
                case=case,
                transition="clear_medically",
                actor=actor,
                reason=_("Every traveller has a health clearance."),
                context=context,
            )


def _last_clearance_day(case: Case, assessment: HealthAssessment) -> datetime.date:
    """The latest outcome date of the case's travellers' clearances for its programme."""
    days = HealthAssessment.objects.filter(
        individual__case_id=case.pk,
        programme_id=case.programme_id,
        outcome__in=sorted(CLEARING_OUTCOMES),
    ).values_list("outcome_on", flat=True)
    return max([d for d in days if d] or [assessment.outcome_on])


# ---------------------------------------------------------------------------------------------
# Vaccinations and pre-embarkation checks


def _vaccination_taken(vaccination: Vaccination) -> DuplicateRecord | None:
    """A dose recorded again (person, vaccine, dose), naming the one that exists."""
    existing = Vaccination.objects.filter(
        individual_id=vaccination.individual_id,
        vaccine=vaccination.vaccine,
        dose=vaccination.dose,
    ).first()
    if existing is None:
        return None
    return DuplicateRecord(
        _(
            "Dose %(dose)d of %(vaccine)s is already recorded for this person, given on "
            "%(date)s (id %(id)d)."
        )
        % {
            "dose": existing.dose,
            "vaccine": existing.get_vaccine_display(),
            "date": existing.given_on.isoformat(),
            "id": existing.pk,
        },
        existing=existing_record("vaccination", existing),
        field="dose",
    )


def vaccination_record(
    *,
    actor,
    individual: Individual,
    vaccine: str,
    dose: int,
    given_on: datetime.date,
    lot_number: str,
) -> Vaccination:
    """Record a vaccine dose given to a person (vaccine, dose number, date, lot). The same dose
    sent again is refused, naming the one recorded (DuplicateRecord)."""
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
    clean_or_refuse(vaccination)
    with transaction.atomic(), acting_as(actor):
        case = _lock_case(individual.case_id)
        _refuse_taken(_vaccination_taken(vaccination))
        with duplicates_refused(
            {"vaccination_natural_key": lambda: _vaccination_taken(vaccination)}
        ):
            vaccination.save()
        event_vaccination_recorded(case=case, actor=actor, person=individual)
    return vaccination


def _check_taken(check: PreEmbarkationCheck) -> DuplicateRecord | None:
    """A pre-embarkation check recorded again (person, date), naming the one that exists."""
    existing = PreEmbarkationCheck.objects.filter(
        individual_id=check.individual_id, checked_on=check.checked_on
    ).first()
    if existing is None:
        return None
    return DuplicateRecord(
        _(
            "A pre-embarkation check of this person on %(date)s is already recorded: "
            "%(result)s (id %(id)d)."
        )
        % {
            "date": existing.checked_on.isoformat(),
            "result": existing.get_result_display(),
            "id": existing.pk,
        },
        existing=existing_record(
            "pre_embarkation_check", existing, label=f"{existing.checked_on.isoformat()}"
        ),
        field="checked_on",
    )


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
    number of days before departure, and not after it. One check per person and day: the same
    check sent again is refused, naming the one recorded (DuplicateRecord).
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
    clean_or_refuse(check)
    with transaction.atomic(), acting_as(actor):
        locked_case = _lock_case(individual.case_id)
        _refuse_taken(_check_taken(check))
        with duplicates_refused({"pre_embarkation_check_natural_key": lambda: _check_taken(check)}):
            check.save()
        event_pre_embarkation_checked(case=locked_case, actor=actor, check=check)
    return check
