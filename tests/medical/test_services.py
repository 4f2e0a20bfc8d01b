"""The clinic's writes: what they save, what they refuse, what they tell the timeline."""

import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, EventKind
from cases.models import CaseEvent
from core.errors import ApplicationError, NotPermitted
from core.roles import Role
from medical import services
from medical.choices import CheckResult, LabResultValue, LabTest, Outcome, TravelCondition, Vaccine
from medical.models import HealthAssessment, LabResult, PreEmbarkationCheck, Vaccination
from tests.factories import CaseFactory
from tests.medical.conftest import case_in
from tests.medical.factories import (
    ClearedAssessmentFactory,
    ExaminedAssessmentFactory,
    HealthAssessmentFactory,
)

TODAY = timezone.localdate


def days(n):
    return datetime.timedelta(days=n)


def medical_events(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.MEDICAL)


def test_a_clearance_is_valid_for_the_protocols_number_of_days_from_the_outcome(clinician):
    case = case_in(adults=2)
    assessment = ExaminedAssessmentFactory(individual=case.principal)
    outcome_on = TODAY() - days(3)

    services.assessment_record_outcome(
        actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=outcome_on
    )

    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED
    assert assessment.valid_until == outcome_on + days(180)  # USRAP: 6 months
    assert assessment.clinician == clinician
    assert assessment.history.count() >= 2  # insert and update, by trigger


def test_recording_an_outcome_tells_the_timeline_the_outcome_and_validity_only(clinician):
    case = case_in(adults=2)
    assessment = ExaminedAssessmentFactory(
        individual=case.principal, medical_history="Hypertension since 2015", tb_classification="B1"
    )

    services.assessment_record_outcome(
        actor=clinician,
        assessment=assessment,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        outcome_on=TODAY(),
        conditions=[TravelCondition.WHEELCHAIR],
        outcome_notes="Needs antihypertensives on board",
    )

    event = medical_events(case).get(data__action="outcome_recorded")
    assert event.actor == clinician
    assert event.data["outcome"] == Outcome.CLEARED_WITH_CONDITIONS
    # TB class B1 adds the follow-up from the protocol beside the wheelchair given.
    assert event.data["conditions"] == [TravelCondition.WHEELCHAIR, TravelCondition.FOLLOW_UP]
    assert event.data["valid_until"] == (TODAY() + days(180)).isoformat()
    text = f"{event.reason} {event.data}"
    for secret in ("Hypertension", "B1", "antihypertensives"):
        assert secret not in text


def test_an_outcome_without_a_date_is_refused_and_nothing_is_saved(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)

    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=None
        )

    assert refused.value.field == "outcome_on"
    assessment.refresh_from_db()
    assert assessment.outcome == ""
    assert not medical_events(health_case).exists()


def test_an_outcome_dated_in_the_future_is_refused(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)

    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=Outcome.CLEARED,
            outcome_on=TODAY() + days(1),
        )

    assert refused.value.field == "outcome_on"
    assessment.refresh_from_db()
    assert assessment.valid_until is None


def test_conditions_are_required_for_a_clearance_with_conditions_and_only_for_it(
    clinician, health_case
):
    assessment = ExaminedAssessmentFactory(individual=health_case.principal)
    with pytest.raises(ApplicationError) as without:
        services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=Outcome.CLEARED_WITH_CONDITIONS,
            outcome_on=TODAY(),
        )
    with pytest.raises(ApplicationError) as misplaced:
        services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=Outcome.CLEARED,
            outcome_on=TODAY(),
            conditions=[TravelCondition.OXYGEN],
        )
    assert without.value.field == misplaced.value.field == "conditions"
    assessment.refresh_from_db()
    assert assessment.outcome == ""


def test_an_assessment_for_a_person_not_on_the_case_is_refused(clinician, health_case):
    stranger = CaseFactory().principal

    with pytest.raises(ApplicationError) as refused:
        services.assessment_create(actor=clinician, individual=stranger, case=health_case)

    assert refused.value.field == "individual"
    assert not HealthAssessment.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.MEDICAL).exists()


def test_a_second_assessment_of_a_person_for_the_same_programme_is_refused(clinician, health_case):
    services.assessment_create(actor=clinician, individual=health_case.principal)

    with pytest.raises(ApplicationError) as refused:
        services.assessment_create(actor=clinician, individual=health_case.principal)

    assert (refused.value.code, refused.value.field) == ("duplicate", "individual")
    assert HealthAssessment.objects.count() == 1


def test_an_assessment_date_in_the_future_is_refused(clinician, health_case):
    with pytest.raises(ApplicationError) as refused:
        services.assessment_create(
            actor=clinician, individual=health_case.principal, assessed_on=TODAY() + days(2)
        )
    assert refused.value.field == "assessed_on"
    assert not HealthAssessment.objects.exists()


def test_parts_and_lab_results_are_recorded_with_the_clinician(clinician, health_case):
    assessment = services.assessment_create(
        actor=clinician,
        individual=health_case.principal,
        scheduled_for=timezone.now(),
    )

    services.assessment_update(
        actor=clinician,
        assessment=assessment,
        assessed_on=TODAY(),
        medical_history="No chronic illness",
        tb_classification="none",
    )
    services.lab_result_add(
        actor=clinician,
        assessment=assessment,
        test=LabTest.IGRA,
        result=LabResultValue.NEGATIVE,
        tested_on=TODAY(),
    )

    assessment.refresh_from_db()
    assert assessment.medical_history == "No chronic illness"
    assert assessment.clinician == clinician
    assert LabResult.objects.get(assessment=assessment).recorded_by == clinician
    actions = list(medical_events(health_case).values_list("data__action", flat=True))
    assert sorted(actions) == ["assessment_opened", "assessment_recorded", "assessment_recorded"]


def test_a_lab_result_dated_in_the_future_is_refused(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    with pytest.raises(ApplicationError):
        services.lab_result_add(
            actor=clinician,
            assessment=assessment,
            test=LabTest.HIV,
            result=LabResultValue.NEGATIVE,
            tested_on=TODAY() + days(1),
        )
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.CASEWORKER,
        Role.MANAGER,
        Role.MOVEMENT_OFFICER,
        Role.ORIENTATION_FACILITATOR,
        Role.PARTNER_SYSTEM,
        Role.ADMINISTRATOR,
    ],
)
def test_only_clinicians_may_write_medical_records(all_roles, role, health_case):
    user = all_roles[role]
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    person = health_case.principal

    with pytest.raises(NotPermitted):
        services.assessment_create(actor=user, individual=CaseFactory().principal)
    with pytest.raises(NotPermitted):
        services.assessment_record_outcome(
            actor=user, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=TODAY()
        )
    with pytest.raises(NotPermitted):
        services.vaccination_record(
            actor=user,
            individual=person,
            vaccine=Vaccine.MMR,
            dose=1,
            given_on=TODAY(),
            lot_number="L1",
        )
    with pytest.raises(NotPermitted):
        services.pre_embarkation_check_record(
            actor=user,
            individual=person,
            checked_on=TODAY(),
            planned_departure=TODAY() + days(1),
            result=CheckResult.FIT,
        )

    assert HealthAssessment.objects.count() == 1
    assessment.refresh_from_db()
    assert assessment.outcome == ""
    assert not Vaccination.objects.exists()
    assert not PreEmbarkationCheck.objects.exists()
    assert not medical_events(health_case).exists()


def test_a_vaccination_is_recorded_with_dose_lot_and_clinician(clinician, health_case):
    vaccination = services.vaccination_record(
        actor=clinician,
        individual=health_case.principal,
        vaccine=Vaccine.MMR,
        dose=2,
        given_on=TODAY(),
        lot_number=" MMR-2291 ",
    )
    vaccination.refresh_from_db()
    assert (vaccination.dose, vaccination.lot_number, vaccination.clinician) == (
        2,
        "MMR-2291",
        clinician,
    )
    event = medical_events(health_case).get()
    assert "mmr" not in str(event.data).lower()


def test_a_vaccination_in_the_future_is_refused(clinician, health_case):
    with pytest.raises(ApplicationError) as refused:
        services.vaccination_record(
            actor=clinician,
            individual=health_case.principal,
            vaccine=Vaccine.MMR,
            dose=1,
            given_on=TODAY() + days(1),
            lot_number="L",
        )
    assert refused.value.field == "given_on"
    assert not Vaccination.objects.exists()


def test_a_check_inside_the_window_before_departure_is_recorded(clinician, health_case):
    check = services.pre_embarkation_check_record(
        actor=clinician,
        individual=health_case.principal,
        checked_on=TODAY(),
        planned_departure=TODAY() + days(3),  # USRAP: within 72 hours
        result=CheckResult.FIT_WITH_ESCORT,
        clinical_notes="Mild asthma",
    )
    assert check.programme == health_case.programme
    event = medical_events(health_case).get()
    assert event.data["result"] == CheckResult.FIT_WITH_ESCORT
    assert "asthma" not in f"{event.reason} {event.data}"


@pytest.mark.parametrize("departure_in_days", [4, 10, -1])
def test_a_check_outside_the_window_is_refused_and_nothing_saved(
    clinician, health_case, departure_in_days
):
    with pytest.raises(ApplicationError) as refused:
        services.pre_embarkation_check_record(
            actor=clinician,
            individual=health_case.principal,
            checked_on=TODAY(),
            planned_departure=TODAY() + days(departure_in_days),
            result=CheckResult.FIT,
        )
    assert refused.value.field == "checked_on"
    assert refused.value.code == "outside_window"
    assert not PreEmbarkationCheck.objects.exists()
    assert not medical_events(health_case).exists()


# --- The case moves with the outcomes ----


def test_a_deferred_outcome_moves_the_case_to_medically_deferred_as_the_clinician(clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT, adults=2)
    assessment = HealthAssessmentFactory(individual=case.principal)

    services.assessment_record_outcome(
        actor=clinician, assessment=assessment, outcome=Outcome.DEFERRED, outcome_on=TODAY()
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_DEFERRED
    step = CaseEvent.objects.get(case=case, transition="defer_medically")
    assert step.actor == clinician
    assert step.reason  # the step needs a reason; it names no diagnosis


def test_a_deferred_outcome_leaves_a_case_whose_status_does_not_allow_deferral(clinician):
    case = case_in(CaseStatus.APPROVED)
    assessment = HealthAssessmentFactory(individual=case.principal)

    services.assessment_record_outcome(
        actor=clinician, assessment=assessment, outcome=Outcome.DEFERRED, outcome_on=TODAY()
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.DEFERRED


def test_the_last_travellers_clearance_moves_the_case_to_medically_cleared(clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT, adults=2)
    first, second = case.members.all()
    a1 = ExaminedAssessmentFactory(individual=first)
    a2 = ExaminedAssessmentFactory(individual=second)

    services.assessment_record_outcome(
        actor=clinician, assessment=a1, outcome=Outcome.CLEARED, outcome_on=TODAY()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.HEALTH_ASSESSMENT

    services.assessment_record_outcome(
        actor=clinician, assessment=a2, outcome=Outcome.CLEARED, outcome_on=TODAY()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_CLEARED
    assert CaseEvent.objects.get(case=case, transition="clear_medically").actor == clinician


def test_an_assessment_with_an_outcome_cannot_be_deleted(clinician, health_case):
    assessment = ClearedAssessmentFactory(individual=health_case.principal)
    with pytest.raises(ApplicationError):
        services.assessment_delete(actor=clinician, assessment=assessment)
    assert HealthAssessment.objects.filter(pk=assessment.pk).exists()
