"""Demo clinic records for the demo households of `cases.demo`.

`manage.py demo_data` writes cases in every status with their timelines but no medical records,
so a demo case at "ready to travel" could not be booked. `demo_clinic_records_load` completes
them, reading each case's own timeline for its dates:

- cases past the health assessment (medically cleared .. closed, and cases on hold or withdrawn
  from those): every member cleared for the case's programme, with every part its protocol asks
  at the member's age recorded (examination, chest X-ray and TB class, a negative result of each
  required test), as a clearance needs ("cleared with conditions" for a
  wheelchair, a medical escort, or now and then a follow-up after arrival). The outcome date is
  the timeline's "medically cleared" date, moved later where needed so that a case not yet gone
  holds a clearance valid at least `MIN_DAYS_VALID` days from today (a renewed assessment), and a
  case that has flown was cleared before its departure and still valid on the day;
- booked and travelled cases: a pre-embarkation check ("fit") per member inside the protocol's
  window before the booked departure, when that window has begun;
- medically deferred cases: one member deferred on the timeline's deferral date, the others
  cleared;
- cases in "health assessment": an open assessment per member with an appointment, every other
  household today (the clinic's "today's appointments"), the others in the next days.

No timeline entries are written: the demo timeline already says when each case was cleared,
deferred or booked, and these records follow its dates (the renewed assessments above are the
one exception: their outcome comes after the timeline's clearance).

Idempotent: a person who already has an assessment for the case's programme, or a
pre-embarkation check, is skipped, so a second run writes nothing. Rows go in with bulk_create,
a chunk of cases per transaction, audited under the context "demo data".
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases.audit import acting_as
from cases.choices import CaseStatus, SpecialNeed
from cases.models import Case, CaseEvent, Individual
from core.roles import Role

from .choices import (
    CHEST_XRAY,
    CheckResult,
    LabResultValue,
    LabTest,
    Outcome,
    TBClass,
    TravelCondition,
)
from .models import HealthAssessment, LabResult, MedicalProtocol, PreEmbarkationCheck
from .reference_data import physician_group_ensure

S = CaseStatus

# Statuses past the health assessment on the main line.
CLEARED_STATUSES = frozenset(
    {
        S.MEDICALLY_CLEARED,
        S.ORIENTATION,
        S.READY_TO_TRAVEL,
        S.BOOKED,
        S.DEPARTED,
        S.ARRIVED,
        S.CLOSED,
    }
)
TRAVELLED_STATUSES = frozenset({S.DEPARTED, S.ARRIVED, S.CLOSED})
# Cases that have a booking whose departure is on the timeline.
CHECKED_STATUSES = TRAVELLED_STATUSES | {S.BOOKED}
WANTED_STATUSES = CLEARED_STATUSES | {S.MEDICALLY_DEFERRED, S.HEALTH_ASSESSMENT}
# A clearance of a case not yet gone stays valid this long from today, so a demo booking works.
MIN_DAYS_VALID = 60
CONDITIONS_BY_NEED = {
    SpecialNeed.WHEELCHAIR.value: TravelCondition.WHEELCHAIR.value,
    SpecialNeed.MEDICAL_ESCORT.value: TravelCondition.MEDICAL_ESCORT.value,
}
FOLLOW_UP_CHANCE = 0.04
TIMELINE_STEPS = ("start_health_assessment", "clear_medically", "defer_medically", "book")
CHUNK = 2_000
DEMO_REASON = "demo data"


@dataclass
class ClinicDemoSummary:
    cases: int = 0
    cleared: int = 0
    deferred: int = 0
    open: int = 0
    checks: int = 0
    skipped_people: int = 0
    no_protocol: int = 0

    @property
    def rows(self) -> int:
        return self.cleared + self.deferred + self.open + self.checks


def effective_status(status: str, resume_status: str) -> str:
    """The main-line status of a case, looking through "on hold" and "withdrawn"."""
    if status in (S.ON_HOLD, S.WITHDRAWN) and resume_status:
        return resume_status
    return status


def demo_clinic_records_load(*, today: datetime.date | None = None) -> ClinicDemoSummary:
    """Write the missing clinic records of the demo cases; see the module's docstring."""
    today = today or timezone.localdate()
    protocols = {
        p.programme_id: p
        for p in MedicalProtocol.objects.only(
            "programme_id", "clearance_validity_days", "pre_embarkation_window_days"
        ).prefetch_related("requirements")
    }
    clinician = (
        get_user_model()
        .objects.filter(groups__name=Role.CLINICIAN, is_active=True)
        .order_by("pk")
        .first()
    )
    if clinician is not None:
        # The demo clinician is the clinic's physician: the one who signs outcomes.
        clinician.groups.add(physician_group_ensure())
    wanted = sorted(WANTED_STATUSES)
    case_rows = list(
        Case.objects.filter(
            Q(status__in=wanted) | Q(status__in=[S.ON_HOLD, S.WITHDRAWN], resume_status__in=wanted)
        )
        .order_by("pk")
        .values_list("pk", "status", "resume_status", "programme_id", "status_changed_at")
    )
    summary = ClinicDemoSummary()
    writer = _Writer(today=today, protocols=protocols, clinician=clinician, summary=summary)
    for first in range(0, len(case_rows), CHUNK):
        with transaction.atomic(), acting_as(None, reason=DEMO_REASON):
            _ignore_nothing()
            writer.write_chunk(case_rows[first : first + CHUNK])
    return summary


def _ignore_nothing() -> None:
    """See cases.demo.prepare_bulk_transaction: keeps pgtrigger's triggers from raising and
    catching an error per row, which makes large transactions quadratic."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def _local_day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def _office_time(day: datetime.date, slot: int) -> datetime.datetime:
    """Appointment `slot` of a clinic day: every 15 minutes from 08:00 to 15:45."""
    minutes = 8 * 60 + 15 * (slot % 32)
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    )


class _Writer:
    def __init__(self, *, today, protocols, clinician, summary):
        self.today = today
        self.protocols = protocols
        self.clinician = clinician
        self.summary = summary
        self.health_cases_seen = 0
        self.slots: dict[datetime.date, int] = {}

    def write_chunk(self, case_rows) -> None:
        case_ids = [row[0] for row in case_rows]
        members: dict[int, list[dict]] = {}
        for person in (
            Individual.objects.filter(case_id__in=case_ids)
            .order_by("case_id", "pk")
            .values("pk", "case_id", "special_needs", "date_of_birth")
        ):
            members.setdefault(person["case_id"], []).append(person)
        assessed = set(
            HealthAssessment.objects.filter(individual__case_id__in=case_ids).values_list(
                "individual_id", "programme_id"
            )
        )
        checked = set(
            PreEmbarkationCheck.objects.filter(individual__case_id__in=case_ids).values_list(
                "individual_id", flat=True
            )
        )
        # The last date of each step on each case's timeline (events in time order).
        steps: dict[int, dict[str, CaseEvent]] = {}
        for event in CaseEvent.objects.filter(
            case_id__in=case_ids, transition__in=TIMELINE_STEPS
        ).order_by("at", "pk"):
            steps.setdefault(event.case_id, {})[event.transition] = event

        assessments, checks = [], []
        for case_id, status, resume_status, programme_id, changed_at in case_rows:
            protocol = self.protocols.get(programme_id)
            if protocol is None:
                self.summary.no_protocol += 1
                continue
            people = members.get(case_id, [])
            todo = [p for p in people if (p["pk"], programme_id) not in assessed]
            self.summary.skipped_people += len(people) - len(todo)
            plan = _CasePlan(
                case_id=case_id,
                status=status,
                main_status=effective_status(status, resume_status),
                programme_id=programme_id,
                changed_on=_local_day(changed_at),
                events=steps.get(case_id, {}),
                protocol=protocol,
            )
            new_assessments = self._assessments(plan, todo)
            new_checks = self._checks(plan, [p for p in people if p["pk"] not in checked])
            if new_assessments or new_checks:
                self.summary.cases += 1
            assessments += new_assessments
            checks += new_checks
        HealthAssessment.objects.bulk_create(assessments, batch_size=1_000)
        LabResult.objects.bulk_create(self._lab_results(assessments), batch_size=1_000)
        PreEmbarkationCheck.objects.bulk_create(checks, batch_size=1_000)
        for assessment in assessments:
            if assessment.outcome == Outcome.DEFERRED:
                self.summary.deferred += 1
            elif assessment.outcome:
                self.summary.cleared += 1
            else:
                self.summary.open += 1
        self.summary.checks += len(checks)

    # -- assessments

    def _lab_results(self, assessments) -> list[LabResult]:
        """A negative result of each test the protocol asks of a cleared or deferred person at
        their age (kept on the assessment by `_decided`), tested on the assessment day."""
        return [
            LabResult(
                assessment=assessment,
                test=test,
                result=LabResultValue.NEGATIVE,
                tested_on=assessment.assessed_on,
                recorded_by=self.clinician,
            )
            for assessment in assessments
            for test in getattr(assessment, "demo_tests", ())
        ]

    def _assessments(self, plan: _CasePlan, people) -> list[HealthAssessment]:
        if not people:
            return []
        rng = random.Random(f"clinic/{plan.case_id}")
        if plan.main_status == S.HEALTH_ASSESSMENT:
            return self._open(plan, people, rng)
        if plan.main_status == S.MEDICALLY_DEFERRED:
            outcome_on = plan.day_of("defer_medically") or plan.changed_on
            deferred = rng.choice(people)["pk"]
            return [
                self._decided(
                    plan,
                    person,
                    rng,
                    outcome_on,
                    deferred=person["pk"] == deferred,
                )
                for person in people
            ]
        outcome_on = self._clearance_day(plan, rng)
        return [self._decided(plan, person, rng, outcome_on) for person in people]

    def _clearance_day(self, plan: _CasePlan, rng: random.Random) -> datetime.date:
        validity = plan.protocol.clearance_validity_days
        cleared = plan.day_of("clear_medically") or plan.changed_on
        departure = plan.departure()
        if plan.main_status in TRAVELLED_STATUSES and departure is not None:
            # Cleared before the flight and still valid on the day.
            day = max(cleared, departure - datetime.timedelta(days=validity - 14))
            latest = departure - datetime.timedelta(
                days=plan.protocol.pre_embarkation_window_days + 1
            )
            return min(day, latest)
        valid_to = self.today + datetime.timedelta(days=MIN_DAYS_VALID)
        if departure is not None and departure >= valid_to:
            valid_to = departure + datetime.timedelta(days=1)
        earliest = valid_to - datetime.timedelta(days=validity - rng.randint(0, 10))
        return min(max(cleared, earliest), self.today)

    def _decided(self, plan, person, rng, outcome_on, *, deferred=False) -> HealthAssessment:
        assessed_on = outcome_on - datetime.timedelta(days=rng.randint(3, 14))
        if deferred:
            outcome, conditions, valid_until = Outcome.DEFERRED, [], None
            notes = "Treatment to complete before travel; reassess when it ends."
        else:
            conditions = sorted(
                {CONDITIONS_BY_NEED[n] for n in person["special_needs"] if n in CONDITIONS_BY_NEED}
            )
            if not conditions and rng.random() < FOLLOW_UP_CHANCE:
                conditions = [TravelCondition.FOLLOW_UP.value]
            outcome = Outcome.CLEARED_WITH_CONDITIONS if conditions else Outcome.CLEARED
            # As medical.services.assessment_outcome_record computes it.
            valid_until = outcome_on + datetime.timedelta(
                days=plan.protocol.clearance_validity_days
            )
            notes = ""
        # Every part the protocol asks at the person's age, as a clearance needs
        # (medical.services.missing_protocol_parts).
        born = person["date_of_birth"]
        age = (
            assessed_on.year
            - born.year
            - ((assessed_on.month, assessed_on.day) < (born.month, born.day))
        )
        required = plan.protocol.parts_for_age(age)
        xray = CHEST_XRAY in required
        assessment = HealthAssessment(
            individual_id=person["pk"],
            programme_id=plan.programme_id,
            scheduled_for=_office_time(assessed_on, rng.randint(0, 31)),
            assessed_on=assessed_on,
            clinician=self.clinician,
            physical_examination="No abnormal findings.",
            chest_xray_on=assessed_on if xray else None,
            chest_xray_findings="Clear lung fields." if xray else "",
            tb_classification=TBClass.NO_CLASS if xray else "",
            outcome=outcome,
            outcome_on=outcome_on,
            conditions=conditions,
            outcome_notes=notes,
            valid_until=valid_until,
        )
        assessment.demo_tests = [t for t in LabTest.values if t in required]
        return assessment

    def _open(self, plan: _CasePlan, people, rng) -> list[HealthAssessment]:
        """Open assessments with an appointment: every other active household today."""
        if plan.status == plan.main_status:
            turn = self.health_cases_seen
            self.health_cases_seen += 1
            day = self.today + datetime.timedelta(days=0 if turn % 2 == 0 else 1 + turn % 10)
        else:  # on hold or withdrawn: the appointment was before that
            started = plan.day_of("start_health_assessment") or plan.changed_on
            day = min(started + datetime.timedelta(days=rng.randint(5, 20)), plan.changed_on)
        rows = []
        for person in people:
            slot = self.slots.get(day, 0)
            self.slots[day] = slot + 1
            rows.append(
                HealthAssessment(
                    individual_id=person["pk"],
                    programme_id=plan.programme_id,
                    scheduled_for=_office_time(day, slot),
                    clinician=self.clinician,
                )
            )
        return rows

    # -- pre-embarkation checks

    def _checks(self, plan: _CasePlan, people) -> list[PreEmbarkationCheck]:
        departure = plan.departure()
        if not people or plan.main_status not in CHECKED_STATUSES or departure is None:
            return []
        rng = random.Random(f"pre-embarkation/{plan.case_id}")
        window = plan.protocol.pre_embarkation_window_days
        checked_on = departure - datetime.timedelta(days=rng.randint(0, window))
        checked_on = min(checked_on, self.today)
        if checked_on < departure - datetime.timedelta(days=window):
            return []  # the window before this booked flight has not begun yet
        return [
            PreEmbarkationCheck(
                individual_id=person["pk"],
                programme_id=plan.programme_id,
                checked_on=checked_on,
                planned_departure=departure,
                result=(
                    CheckResult.FIT_WITH_ESCORT
                    if SpecialNeed.MEDICAL_ESCORT.value in person["special_needs"]
                    else CheckResult.FIT
                ),
                clinician=self.clinician,
            )
            for person in people
        ]


@dataclass
class _CasePlan:
    case_id: int
    status: str
    main_status: str
    programme_id: int
    changed_on: datetime.date
    events: dict[str, CaseEvent]
    protocol: MedicalProtocol

    def day_of(self, transition: str) -> datetime.date | None:
        event = self.events.get(transition)
        return _local_day(event.at) if event is not None else None

    def departure(self) -> datetime.date | None:
        """The departure date of the case's last booking, from the timeline."""
        event = self.events.get("book")
        value = (event.data or {}).get("departure_date") if event is not None else None
        return datetime.date.fromisoformat(value) if value else None
