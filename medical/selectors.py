"""Reads of the clinic's records, scoped to the user.

Two kinds of reads: medical detail (clinicians only; every view of one record is written to
MedicalRecordAccess) and the clearance summary (outcome, travel conditions, valid until,
pre-embarkation result) for every staff role and partner systems with the medical:read scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from cases.models import Case, Individual
from cases.selectors import case_visible_to
from core.errors import NotPermitted

from .choices import (
    ALWAYS_TREATED_BEFORE_TRAVEL,
    CLEARING_OUTCOMES,
    AccessChannel,
    CheckResult,
    Finding,
    LabResultValue,
    Outcome,
    RecordKind,
    TravelCondition,
    lab_finding,
    tb_finding,
)
from .models import (
    HealthAssessment,
    LabResult,
    MedicalProtocol,
    MedicalRecordAccess,
    PreEmbarkationCheck,
    ProtocolFindingRule,
    TreatmentCompletion,
    Vaccination,
)
from .permissions import can_see_clearance_summary, can_see_medical_detail


def _require_detail(user) -> None:
    if not can_see_medical_detail(user):
        raise NotPermitted()


def record_access(*, user, individual_id: int, kind: str, record_id: int, via: str) -> None:
    MedicalRecordAccess.objects.create(
        user=user, individual_id=individual_id, record_kind=kind, record_id=record_id, via=via
    )


def _latest_check_result() -> Subquery:
    return Subquery(
        PreEmbarkationCheck.objects.filter(individual_id=OuterRef("individual_id"))
        .order_by("-checked_on", "-id")
        .values("result")[:1]
    )


# ---------------------------------------------------------------------------------------------
# For the workflow guards (no user: the workflow asks on behalf of whoever moves the case)


def travellers_with_assessments(case: Case) -> list[tuple[Individual, HealthAssessment | None]]:
    """Each member of the case with their assessment for the case's programme (or None)."""
    members = list(case.members.all())
    by_person = {
        a.individual_id: a
        for a in HealthAssessment.objects.filter(
            individual__case_id=case.pk, programme_id=case.programme_id
        ).only("id", "individual_id", "outcome", "valid_until", "conditions", "programme_id")
    }
    return [(m, by_person.get(m.pk)) for m in members]


def latest_checks_by_person(individual_ids: Iterable[int]) -> dict[int, PreEmbarkationCheck]:
    """Each person's latest pre-embarkation check, by person id (one query)."""
    rows = (
        PreEmbarkationCheck.objects.filter(individual_id__in=list(individual_ids))
        .order_by("individual_id", "-checked_on", "-id")
        .distinct("individual_id")
        .only("id", "individual_id", "result", "checked_on", "planned_departure")
    )
    return {row.individual_id: row for row in rows}


# ---------------------------------------------------------------------------------------------
# Clearance summaries (every staff role; partners with medical:read)


def clearance_summaries(*, user, token=None) -> QuerySet[HealthAssessment]:
    """Assessments the user may see a summary of, with what a summary row shows loaded.

    Use only the summary fields of these rows (outcome, conditions, valid_until,
    pre_embarkation_result); the serializers and templates for summaries name exactly those.
    """
    if not can_see_clearance_summary(user, token):
        return HealthAssessment.objects.none()
    return (
        HealthAssessment.objects.filter(individual__case__in=case_visible_to(user))
        .select_related("individual__case", "programme")
        .annotate(pre_embarkation_result=_latest_check_result())
        .order_by("individual__case_id", "individual_id", "id")
    )


def clearances_expiring(
    *, user, days: int, token=None, today: datetime.date | None = None
) -> QuerySet[HealthAssessment]:
    """Clearances still valid today that end within the next `days` days, soonest first."""
    today = today or timezone.localdate()
    return (
        clearance_summaries(user=user, token=token)
        .filter(
            outcome__in=list(CLEARING_OUTCOMES),
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=days),
        )
        .order_by("valid_until", "id")
    )


@dataclass
class TravellerClearance:
    """One row of the case page's health panel: only what every staff role may read."""

    person: Individual
    assessment_id: int | None
    outcome: str
    outcome_label: str
    valid_until: datetime.date | None
    conditions: list[str] = field(default_factory=list)
    pre_embarkation_result: str = ""
    pre_embarkation_label: str = ""
    is_valid_today: bool = False


def case_clearance_panel(case: Case, user) -> dict | None:
    """Per traveller of `case`: clearance status, valid until, travel conditions, check result.

    Two queries whatever the size of the household. Detail links only for clinicians.
    """
    if not can_see_clearance_summary(user):
        return None
    members = list(case.members.all())
    assessments = {
        a.individual_id: a
        for a in HealthAssessment.objects.filter(
            individual__case_id=case.pk, programme_id=case.programme_id
        ).only("id", "individual_id", "outcome", "valid_until", "conditions", "programme_id")
    }
    checks = latest_checks_by_person([m.pk for m in members])
    today = timezone.localdate()
    rows = []
    for person in members:
        assessment = assessments.get(person.pk)
        check = checks.get(person.pk)
        outcome = assessment.outcome if assessment else ""
        rows.append(
            TravellerClearance(
                person=person,
                assessment_id=assessment.pk if assessment else None,
                outcome=outcome,
                outcome_label=str(Outcome(outcome).label) if outcome else "",
                valid_until=assessment.valid_until if assessment else None,
                conditions=[
                    str(TravelCondition(c).label)
                    for c in (assessment.conditions if assessment else [])
                ],
                pre_embarkation_result=check.result if check else "",
                pre_embarkation_label=str(CheckResult(check.result).label) if check else "",
                is_valid_today=bool(assessment and assessment.is_clearance_valid_on(today)),
            )
        )
    return {
        "case": case,
        "travellers": rows,
        "show_detail_links": can_see_medical_detail(user),
    }


# ---------------------------------------------------------------------------------------------
# Medical detail (clinicians only)


def appointments_on(*, user, day: datetime.date) -> QuerySet[HealthAssessment]:
    """Assessments scheduled for `day` (office time zone), earliest first."""
    _require_detail(user)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    return (
        HealthAssessment.objects.filter(scheduled_for__gte=start, scheduled_for__lt=end)
        .select_related("individual__case", "programme")
        .order_by("scheduled_for", "id")
    )


def clinic_case(*, user, pk: int) -> Case:
    """A case as the clinic sees it: its members, each with their assessment for the case's
    programme prefetched (`person.programme_assessments`)."""
    _require_detail(user)
    case = case_visible_to(user).select_related("programme", "location").get(pk=pk)
    members = list(
        case.members.prefetch_related(
            Prefetch(
                "health_assessments",
                queryset=HealthAssessment.objects.filter(programme_id=case.programme_id),
                to_attr="programme_assessments",
            )
        )
    )
    case.clinic_members = members
    return case


def assessment_detail(*, user, pk: int, via: str = AccessChannel.PAGE) -> HealthAssessment:
    """One assessment with its results, the person's vaccinations and checks; the view is logged.

    HealthAssessment.DoesNotExist when there is none; NotPermitted for anyone but a clinician.
    """
    _require_detail(user)
    assessment = (
        HealthAssessment.objects.select_related("individual__case", "programme", "clinician")
        .prefetch_related(
            Prefetch("lab_results", queryset=LabResult.objects.select_related("recorded_by")),
            Prefetch(
                "treatments",
                queryset=TreatmentCompletion.objects.select_related("recorded_by").order_by(
                    "completed_on", "id"
                ),
            ),
            Prefetch(
                "individual__vaccinations",
                queryset=Vaccination.objects.select_related("clinician").order_by("given_on", "id"),
            ),
            Prefetch(
                "individual__pre_embarkation_checks",
                queryset=PreEmbarkationCheck.objects.select_related("clinician"),
            ),
        )
        .get(pk=pk)
    )
    record_access(
        user=user,
        individual_id=assessment.individual_id,
        kind=RecordKind.ASSESSMENT,
        record_id=assessment.pk,
        via=via,
    )
    return assessment


def assessment_for_write(*, user, pk: int) -> HealthAssessment:
    """An assessment a clinician is about to change (not logged as a view: the write is audited)."""
    _require_detail(user)
    return HealthAssessment.objects.select_related("individual__case", "programme").get(pk=pk)


def protocol_for_assessment(assessment: HealthAssessment) -> MedicalProtocol | None:
    return (
        MedicalProtocol.objects.prefetch_related("requirements")
        .filter(programme_id=assessment.programme_id)
        .first()
    )


def applicable_parts(assessment: HealthAssessment, protocol: MedicalProtocol | None) -> set[str]:
    """The chest X-ray and laboratory tests the protocol asks of this person at their age on the
    assessment date (today when not assessed yet)."""
    if protocol is None:
        return set()
    day = assessment.assessed_on or timezone.localdate()
    return protocol.parts_for_age(assessment.individual.age_on(day))


def vaccination_list(*, user, individual_id: int | None = None, via: str = AccessChannel.API):
    """Vaccinations (clinicians only), each view written to the access log in one insert."""
    _require_detail(user)
    qs = Vaccination.objects.select_related("individual", "clinician").order_by(
        "individual_id", "given_on", "id"
    )
    if individual_id is not None:
        qs = qs.filter(individual_id=individual_id)
    return qs


def log_vaccinations_viewed(*, user, rows: Iterable[Vaccination], via: str) -> None:
    MedicalRecordAccess.objects.bulk_create(
        MedicalRecordAccess(
            user=user,
            individual_id=row.individual_id,
            record_kind=RecordKind.VACCINATION,
            record_id=row.pk,
            via=via,
        )
        for row in rows
    )


def pre_embarkation_checks(*, user, token=None) -> QuerySet[PreEmbarkationCheck]:
    """Checks whose result the user may see (the summary: date, departure, result)."""
    if not can_see_clearance_summary(user, token):
        return PreEmbarkationCheck.objects.none()
    return (
        PreEmbarkationCheck.objects.filter(individual__case__in=case_visible_to(user))
        .select_related("individual", "programme")
        .order_by("-checked_on", "-id")
    )


# ---------------------------------------------------------------------------------------------
# What the results mean for travel (the protocol's rules for results)


@dataclass
class AssessmentFinding:
    """One result of an assessment that a protocol rule speaks about."""

    finding: str
    found_on: datetime.date | None
    treatment_before_travel: bool
    conditions: list[str]
    treated_on: datetime.date | None = None

    @property
    def label(self) -> str:
        return str(Finding(self.finding).label)

    @property
    def condition_labels(self) -> list[str]:
        return [str(TravelCondition(c).label) for c in self.conditions]

    @property
    def stops_travel(self) -> bool:
        """Unfit to travel: it needs treatment first and no completed treatment covers it."""
        return self.treatment_before_travel and self.treated_on is None


def assessment_findings(
    assessment: HealthAssessment, protocol: MedicalProtocol | None = None
) -> list[AssessmentFinding]:
    """The results of `assessment` the protocol holds to need treatment before travel or to
    imply travel conditions: its TB class, and each positive laboratory result (by test, the
    latest date). Each says whether a completed treatment on or after its date is recorded.
    TB class A needs treatment before travel under every protocol. Reads the assessment's
    lab results and treatments (prefetched ones when they are there)."""
    rules = {}
    if protocol is not None:
        rules = {
            r.finding: r
            for r in ProtocolFindingRule.objects.filter(protocol_id=protocol.pk).only(
                "finding", "treatment_before_travel", "conditions"
            )
        }
    found: dict[str, datetime.date | None] = {}
    tb_key = tb_finding(assessment.tb_classification or "")
    if tb_key:
        found[tb_key] = assessment.chest_xray_on or assessment.assessed_on
    for row in assessment.lab_results.all():
        if row.result == LabResultValue.POSITIVE:
            key = lab_finding(row.test)
            if key not in found or (found[key] or datetime.date.min) < row.tested_on:
                found[key] = row.tested_on
    treatments = list(assessment.treatments.all())
    findings = []
    for key, day in found.items():
        rule = rules.get(key)
        treat = key in ALWAYS_TREATED_BEFORE_TRAVEL or bool(rule and rule.treatment_before_travel)
        conditions = list(rule.conditions) if rule else []
        if not treat and not conditions:
            continue
        covering = [
            t.completed_on
            for t in treatments
            if t.finding == key and (day is None or t.completed_on >= day)
        ]
        findings.append(
            AssessmentFinding(
                finding=key,
                found_on=day,
                treatment_before_travel=treat,
                conditions=conditions,
                treated_on=max(covering) if covering else None,
            )
        )
    findings.sort(key=lambda f: Finding.values.index(f.finding))
    return findings


def implied_conditions(findings: Iterable[AssessmentFinding]) -> list[str]:
    """The travel conditions the findings imply, in the order of TravelCondition."""
    wanted = {c for f in findings for c in f.conditions}
    return [c for c in TravelCondition.values if c in wanted]


def treatments_of(assessment: HealthAssessment) -> QuerySet[TreatmentCompletion]:
    return assessment.treatments.select_related("recorded_by").order_by("completed_on", "id")
