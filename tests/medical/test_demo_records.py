"""manage.py demo_clinic_records: the demo cases get the health records their timeline implies."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from cases.workflow import TRANSITIONS_BY_NAME, refusals
from medical.choices import CLEARING_OUTCOMES, CheckResult, Outcome
from medical.demo import MIN_DAYS_VALID
from medical.models import HealthAssessment, MedicalProtocol, PreEmbarkationCheck
from movements.bookings.selectors import case_readiness
from orientation.models import Enrollment

S = CaseStatus


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, clinician, facilitator):
    run("demo_data", "--cases", "60", "--force")
    clinic = run("demo_clinic_records", "--force")
    orientation = run("demo_orientation_records", "--force")
    return clinic, orientation


def main_status(case):
    return case.resume_status if case.status in (S.ON_HOLD, S.WITHDRAWN) else case.status


def departure_of(case):
    booking = case.events.filter(transition="book").order_by("-at").first()
    return datetime.date.fromisoformat(booking.data["departure_date"])


def test_every_ready_to_travel_demo_case_can_be_booked(demo, movement_officer):
    today = timezone.localdate()
    ready = list(Case.objects.filter(status=S.READY_TO_TRAVEL))
    assert ready
    for case in ready:
        # The readiness to book (movements.bookings.selectors): every condition the "book" step
        # checks before a booking exists.
        readiness = case_readiness(case, day=today + datetime.timedelta(days=14))
        assert readiness.reasons == [], case.case_number


def test_without_the_demo_records_booking_is_refused(db, movement_officer):
    run("demo_data", "--cases", "20", "--force")
    case = Case.objects.filter(status=S.READY_TO_TRAVEL).first()
    reasons = refusals(
        TRANSITIONS_BY_NAME["book"],
        case,
        movement_officer,
        {"departure_date": timezone.localdate() + datetime.timedelta(days=14)},
    )
    assert any("health clearance" in r for r in reasons)


def test_cleared_cases_hold_clearances_computed_from_the_protocol(demo, clinician):
    today = timezone.localdate()
    protocols = {p.programme_id: p for p in MedicalProtocol.objects.all()}
    cleared = [
        c
        for c in Case.objects.prefetch_related("members")
        if main_status(c) in {S.MEDICALLY_CLEARED, S.ORIENTATION, S.READY_TO_TRAVEL, S.BOOKED}
    ]
    assert cleared
    for case in cleared:
        validity = protocols[case.programme_id].clearance_validity_days
        for person in case.members.all():
            assessment = HealthAssessment.objects.get(individual=person, programme=case.programme)
            assert assessment.outcome in CLEARING_OUTCOMES
            assert assessment.outcome_on <= today
            assert assessment.valid_until == assessment.outcome_on + datetime.timedelta(
                days=validity
            )
            assert assessment.valid_until >= today + datetime.timedelta(days=MIN_DAYS_VALID)
            assert assessment.assessed_on <= assessment.outcome_on
            assert assessment.clinician == clinician


def test_some_travellers_are_cleared_with_conditions(demo):
    with_conditions = HealthAssessment.objects.filter(outcome=Outcome.CLEARED_WITH_CONDITIONS)
    assert with_conditions.exists()
    assert all(a.conditions for a in with_conditions)


def test_travelled_cases_were_cleared_and_checked_before_their_departure(demo):
    travelled = [
        c
        for c in Case.objects.prefetch_related("members")
        if main_status(c) in {S.DEPARTED, S.ARRIVED, S.CLOSED}
    ]
    assert travelled
    for case in travelled:
        departure = departure_of(case)
        window = case.programme.medical_protocol.pre_embarkation_window_days
        for person in case.members.all():
            assessment = HealthAssessment.objects.get(individual=person, programme=case.programme)
            assert assessment.outcome_on < departure
            assert assessment.valid_until >= departure
            check = PreEmbarkationCheck.objects.get(individual=person)
            assert check.result in {CheckResult.FIT, CheckResult.FIT_WITH_ESCORT}
            assert check.planned_departure == departure
            assert departure - datetime.timedelta(days=window) <= check.checked_on <= departure
            assert check.checked_on > assessment.outcome_on


def test_a_deferred_case_has_one_deferred_member(demo):
    deferred = [c for c in Case.objects.all() if main_status(c) == S.MEDICALLY_DEFERRED]
    assert deferred
    for case in deferred:
        outcomes = list(
            HealthAssessment.objects.filter(individual__case=case).values_list(
                "outcome", "valid_until"
            )
        )
        assert [o for o, _v in outcomes].count(Outcome.DEFERRED) == 1
        assert all(v is None for o, v in outcomes if o == Outcome.DEFERRED)


def test_cases_in_health_assessment_have_open_appointments_some_today(demo):
    today = timezone.localdate()
    open_cases = list(Case.objects.filter(status=S.HEALTH_ASSESSMENT))
    assert open_cases
    assessments = HealthAssessment.objects.filter(individual__case__in=open_cases)
    assert assessments.count() == sum(c.members.count() for c in open_cases)
    assert all(a.outcome == "" and a.scheduled_for is not None for a in assessments)
    assert any(timezone.localdate(a.scheduled_for) == today for a in assessments)
    assert all(timezone.localdate(a.scheduled_for) >= today for a in assessments)


def test_earlier_statuses_get_no_health_records(demo):
    early = Case.objects.filter(status__in=[S.REFERRED, S.PRE_SCREENING, S.APPROVED, S.DENIED])
    assert early.exists()
    assert not HealthAssessment.objects.filter(individual__case__in=early).exists()


def test_a_second_run_adds_nothing(demo):
    assessments = HealthAssessment.objects.count()
    checks = PreEmbarkationCheck.objects.count()
    enrollments = Enrollment.objects.count()
    assert assessments and checks
    output = run("demo_clinic_records", "--force")
    run("demo_orientation_records", "--force")
    assert HealthAssessment.objects.count() == assessments
    assert PreEmbarkationCheck.objects.count() == checks
    assert Enrollment.objects.count() == enrollments
    assert "0 cases" in output


def test_the_command_says_what_it_wrote(demo):
    clinic, _orientation = demo
    assert f"{HealthAssessment.objects.filter(outcome__in=CLEARING_OUTCOMES).count()} cleared" in (
        clinic
    )
    assert f"{PreEmbarkationCheck.objects.count()} pre-embarkation checks" in clinic


def test_refuses_when_debug_is_off_without_force(db, settings):
    settings.DEBUG = False
    run("demo_data", "--cases", "15", "--force")
    with pytest.raises(CommandError, match="DEBUG is off"):
        run("demo_clinic_records")
    assert not HealthAssessment.objects.exists()
    assert not PreEmbarkationCheck.objects.exists()


def test_runs_when_debug_is_on(db, settings):
    settings.DEBUG = True
    run("demo_data", "--cases", "15", "--force")
    run("demo_clinic_records")
    assert HealthAssessment.objects.exists()


def test_every_demo_clearance_follows_its_protocol(demo):
    from medical.services import missing_protocol_parts

    cleared = list(
        HealthAssessment.objects.filter(outcome__in=CLEARING_OUTCOMES)
        .select_related("individual", "programme__medical_protocol")
        .prefetch_related("programme__medical_protocol__requirements")
    )
    assert cleared
    for assessment in cleared:
        protocol = assessment.programme.medical_protocol
        assert missing_protocol_parts(assessment, protocol) == [], assessment.pk
