"""A clearance is refused while a result makes the person unfit to travel under the protocol;
the conditions results imply come from the protocol; only a physician signs an outcome; a lab
result has a natural key; the assessment page keeps what is typed. Every rule at the service,
the page and the API, with the refusal named and nothing changed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.choices import CaseStatus
from core.errors import ApplicationError, DuplicateRecord, NotPermitted
from medical import services
from medical.choices import Finding, LabResultValue, LabTest, Outcome, TravelCondition
from medical.models import HealthAssessment, LabResult, ProtocolFindingRule, TreatmentCompletion
from tests.medical.conftest import case_in
from tests.medical.factories import ExaminedAssessmentFactory, HealthAssessmentFactory

TODAY = timezone.localdate
ASSESSMENTS = "/api/v1/medical/assessments/"


def days(n):
    return datetime.timedelta(days=n)


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def active_tb(case):
    return ExaminedAssessmentFactory(individual=case.principal, tb_classification="A")


def unchanged(assessment):
    assessment.refresh_from_db()
    return assessment.outcome == "" and assessment.valid_until is None


# --- Unfit to travel until treated -------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Outcome.CLEARED, Outcome.CLEARED_WITH_CONDITIONS])
def test_tb_class_a_refuses_a_clearance_at_the_service_naming_it(clinician, outcome):
    assessment = active_tb(case_in())
    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=outcome,
            outcome_on=TODAY(),
            conditions=[TravelCondition.FOLLOW_UP]
            if outcome == Outcome.CLEARED_WITH_CONDITIONS
            else [],
        )
    assert refused.value.code == "unfit_to_travel"
    assert refused.value.field == "outcome"
    assert "Tuberculosis class A" in str(refused.value.message)
    assert refused.value.extra["findings"] == [Finding.TB_CLASS_A]
    assert unchanged(assessment)


def test_tb_class_a_is_deferred_until_the_treatment_is_recorded_then_cleared_with_follow_up(
    clinician, nurse
):
    case = case_in()
    assessment = active_tb(case)
    services.assessment_record_outcome(
        actor=clinician, assessment=assessment, outcome=Outcome.DEFERRED, outcome_on=TODAY()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_DEFERRED

    # A nurse records the completed treatment; the physician can then clear.
    services.treatment_record_completed(
        actor=nurse, assessment=assessment, finding=Finding.TB_CLASS_A, completed_on=TODAY()
    )
    services.assessment_record_outcome(
        actor=clinician,
        assessment=assessment,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        outcome_on=TODAY(),
    )
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED_WITH_CONDITIONS
    # The follow-up comes from the protocol's rule, nobody typed it.
    assert assessment.conditions == [TravelCondition.FOLLOW_UP]
    assert assessment.treatments.get().recorded_by == nurse


def test_a_result_the_protocol_marks_for_treatment_refuses_a_clearance(clinician):
    case = case_in()
    assessment = ExaminedAssessmentFactory(individual=case.principal)
    LabResult.objects.filter(assessment=assessment, test=LabTest.SYPHILIS).update(
        result=LabResultValue.POSITIVE
    )
    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=TODAY()
        )
    assert refused.value.code == "unfit_to_travel"
    assert "Positive syphilis test" in str(refused.value.message)
    assert unchanged(assessment)


def test_a_protocol_rule_an_administrator_changes_decides_the_treatment(clinician):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal)
    LabResult.objects.filter(assessment=assessment, test=LabTest.HIV).update(
        result=LabResultValue.POSITIVE
    )
    rule = ProtocolFindingRule.objects.get(
        protocol__programme=assessment.programme, finding=Finding.HIV_POSITIVE
    )
    rule.treatment_before_travel = True
    rule.conditions = [TravelCondition.MEDICAL_ESCORT]
    rule.save()
    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=Outcome.CLEARED_WITH_CONDITIONS,
            outcome_on=TODAY(),
        )
    assert refused.value.code == "unfit_to_travel"
    services.treatment_record_completed(
        actor=clinician, assessment=assessment, finding=Finding.HIV_POSITIVE, completed_on=TODAY()
    )
    services.assessment_record_outcome(
        actor=clinician,
        assessment=assessment,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        outcome_on=TODAY(),
    )
    assessment.refresh_from_db()
    assert assessment.conditions == [TravelCondition.MEDICAL_ESCORT]


def test_a_treatment_is_refused_for_a_result_not_shown_or_before_the_result(clinician):
    assessment = active_tb(case_in())
    with pytest.raises(ApplicationError) as absent:
        services.treatment_record_completed(
            actor=clinician,
            assessment=assessment,
            finding=Finding.SYPHILIS_POSITIVE,
            completed_on=TODAY(),
        )
    assert absent.value.code == "no_such_finding"
    with pytest.raises(ApplicationError) as early:
        services.treatment_record_completed(
            actor=clinician,
            assessment=assessment,
            finding=Finding.TB_CLASS_A,
            completed_on=assessment.assessed_on - days(1),
        )
    assert early.value.field == "completed_on"
    assert not TreatmentCompletion.objects.exists()


def test_results_that_imply_conditions_refuse_a_plain_clearance_and_set_them(clinician):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal, tb_classification="B1")
    with pytest.raises(ApplicationError) as refused:
        services.assessment_record_outcome(
            actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=TODAY()
        )
    assert refused.value.code == "conditions_implied"
    assert "Follow-up after arrival" in str(refused.value.message)
    assert unchanged(assessment)
    services.assessment_record_outcome(
        actor=clinician,
        assessment=assessment,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        outcome_on=TODAY(),
        conditions=[TravelCondition.WHEELCHAIR],
    )
    assessment.refresh_from_db()
    assert assessment.conditions == [TravelCondition.WHEELCHAIR, TravelCondition.FOLLOW_UP]


def test_the_page_refuses_a_clearance_of_tb_class_a_on_the_outcome_field(client, clinician):
    assessment = active_tb(case_in())
    client.force_login(clinician)
    response = client.post(
        reverse("medical:outcome", args=[assessment.pk]),
        {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()},
    )
    assert response.status_code == 400
    errors = response.context["outcome_form"].errors["outcome"]
    assert "Tuberculosis class A" in errors[0]
    assert "not completed: unfit to travel" in response.content.decode()
    assert unchanged(assessment)


def test_the_page_records_a_completed_treatment_and_then_the_clearance(client, clinician):
    assessment = active_tb(case_in())
    client.force_login(clinician)
    response = client.post(
        reverse("medical:treatment_add", args=[assessment.pk]),
        {"treatment-finding": Finding.TB_CLASS_A, "treatment-completed_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    assert TreatmentCompletion.objects.filter(assessment=assessment).count() == 1
    response = client.post(
        reverse("medical:outcome", args=[assessment.pk]),
        {"outcome": Outcome.CLEARED_WITH_CONDITIONS, "outcome_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.conditions == [TravelCondition.FOLLOW_UP]


def test_the_api_refuses_a_clearance_of_tb_class_a_then_takes_it_after_treatment(clinician):
    assessment = active_tb(case_in())
    client = api_as(clinician)
    url = f"{ASSESSMENTS}{assessment.pk}/outcome/"
    response = client.post(
        url, {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("unfit_to_travel", "outcome")
    assert "Tuberculosis class A" in error["message"]
    assert unchanged(assessment)

    treated = client.post(
        f"{ASSESSMENTS}{assessment.pk}/treatments/",
        {"finding": Finding.TB_CLASS_A, "completed_on": TODAY().isoformat()},
        format="json",
    )
    assert treated.status_code == 201, treated.content
    again = client.post(
        f"{ASSESSMENTS}{assessment.pk}/treatments/",
        {"finding": Finding.TB_CLASS_A, "completed_on": TODAY().isoformat()},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert TreatmentCompletion.objects.count() == 1

    response = client.post(
        url,
        {"outcome": Outcome.CLEARED_WITH_CONDITIONS, "outcome_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["conditions"] == [TravelCondition.FOLLOW_UP]


# --- Only a physician signs ----------------------------------------------------------------------


def test_a_nurse_cannot_sign_an_outcome_at_the_service(nurse):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal)
    for outcome in Outcome.values:
        with pytest.raises(NotPermitted):
            services.assessment_record_outcome(
                actor=nurse, assessment=assessment, outcome=outcome, outcome_on=TODAY()
            )
    assert unchanged(assessment)


def test_the_outcome_page_takes_a_physician_and_refuses_a_nurse(client, clinician, nurse):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal)
    url = reverse("medical:outcome", args=[assessment.pk])
    data = {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()}
    client.force_login(nurse)
    assert client.post(url, data).status_code == 403
    assert unchanged(assessment)
    page = client.get(reverse("medical:assessment", args=[assessment.pk])).content.decode()
    assert "A physician signs the outcome" in page
    assert "Record the outcome" not in page

    client.force_login(clinician)
    assert (
        "Record the outcome"
        in client.get(reverse("medical:assessment", args=[assessment.pk])).content.decode()
    )
    assert client.post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED


def test_the_outcome_api_takes_a_physician_and_refuses_a_nurse(clinician, nurse):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal)
    url = f"{ASSESSMENTS}{assessment.pk}/outcome/"
    data = {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()}
    refused = api_as(nurse).post(url, data, format="json")
    assert refused.status_code == 403
    assert "physician" in refused.json()["error"]["message"]
    assert unchanged(assessment)
    assert api_as(clinician).post(url, data, format="json").status_code == 200
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED


def test_a_nurse_records_the_parts_and_results_at_the_page_and_the_api(client, nurse):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client.force_login(nurse)
    response = client.post(
        reverse("medical:lab_result_add", args=[assessment.pk]),
        {"lab-test": LabTest.IGRA, "lab-result": "negative", "lab-tested_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    response = api_as(nurse).patch(
        f"{ASSESSMENTS}{assessment.pk}/", {"physical_examination": "Normal."}, format="json"
    )
    assert response.status_code == 200
    assessment.refresh_from_db()
    assert assessment.physical_examination == "Normal."
    assert assessment.lab_results.count() == 1


# --- A lab result is stored once -------------------------------------------------------------


def test_a_lab_result_sent_twice_is_refused_at_the_service_naming_the_first(clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    first = services.lab_result_add(
        actor=clinician,
        assessment=assessment,
        test=LabTest.IGRA,
        result="negative",
        tested_on=TODAY(),
    )
    with pytest.raises(DuplicateRecord) as again:
        services.lab_result_add(
            actor=clinician,
            assessment=assessment,
            test=LabTest.IGRA,
            result="positive",
            tested_on=TODAY(),
        )
    assert again.value.extra["existing"]["id"] == first.pk
    assert LabResult.objects.get().result == "negative"


def test_a_lab_result_sent_twice_through_the_api_is_stored_once(clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client = api_as(clinician)
    data = {"test": LabTest.IGRA, "result": "negative", "tested_on": TODAY().isoformat()}
    url = f"{ASSESSMENTS}{assessment.pk}/lab-results/"
    first = client.post(url, data, format="json")
    assert first.status_code == 201
    again = client.post(url, data, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate"
    assert error["existing"]["id"] == first.json()["id"]
    assert LabResult.objects.filter(assessment=assessment).count() == 1


def test_a_lab_result_sent_twice_from_the_page_is_stored_once(client, clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client.force_login(clinician)
    url = reverse("medical:lab_result_add", args=[assessment.pk])
    data = {
        "lab-test": LabTest.IGRA,
        "lab-result": "negative",
        "lab-tested_on": TODAY().isoformat(),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 400
    assert "already recorded" in str(again.context["lab_form"].errors)
    assert LabResult.objects.filter(assessment=assessment).count() == 1


# --- The page keeps what was typed ---------------------------------------------------------------


def test_recording_a_result_keeps_what_was_typed_in_the_other_parts(client, clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client.force_login(clinician)
    typed = {
        "medical_history": "Malaria in 2019, typed and not saved yet",
        "group": "refugee",
        "lab-test": LabTest.IGRA,
        "lab-result": "negative",
        "lab-tested_on": TODAY().isoformat(),
        "outcome_notes": "Draft note of the physician",
    }
    response = client.post(reverse("medical:lab_result_add", args=[assessment.pk]), typed)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Malaria in 2019, typed and not saved yet" in page
    assert "Draft note of the physician" in page
    assessment.refresh_from_db()
    assert assessment.medical_history == ""  # kept on the page, not saved behind the user
    assert assessment.lab_results.count() == 1


def test_a_refused_part_keeps_what_was_typed_in_the_other_parts(client, clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client.force_login(clinician)
    typed = {
        "medical_history": "Typed history that must survive",
        "lab-test": LabTest.IGRA,
        "lab-result": "negative",
        "lab-tested_on": (TODAY() + days(3)).isoformat(),
    }
    response = client.post(reverse("medical:lab_result_add", args=[assessment.pk]), typed)
    assert response.status_code == 400
    assert "Typed history that must survive" in response.content.decode()
    assert not LabResult.objects.exists()


def test_the_outcome_comes_after_the_parts_on_one_form(client, clinician):
    assessment = HealthAssessmentFactory(individual=case_in().principal)
    client.force_login(clinician)
    page = client.get(reverse("medical:assessment", args=[assessment.pk])).content.decode()
    assert page.index('id="parts-title"') < page.index('id="lab-title"')
    assert page.index('id="lab-title"') < page.index('id="outcome-title"')
    assert page.count('id="assessment-form"') == 1
    assert page.count("<form") == page.count("</form>")
    assert HealthAssessment.objects.get().outcome == ""


def test_the_page_and_the_api_refuse_a_plain_clearance_when_the_results_imply_conditions(
    client, clinician
):
    assessment = ExaminedAssessmentFactory(individual=case_in().principal, tb_classification="B1")
    data = {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()}
    client.force_login(clinician)
    page = client.post(reverse("medical:outcome", args=[assessment.pk]), data)
    assert page.status_code == 400
    assert "Follow-up after arrival" in page.context["outcome_form"].errors["outcome"][0]
    answer = api_as(clinician).post(f"{ASSESSMENTS}{assessment.pk}/outcome/", data, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "conditions_implied"
    assert unchanged(assessment)


def test_the_assessment_page_shows_what_the_results_mean_for_travel(client, clinician):
    assessment = active_tb(case_in())
    client.force_login(clinician)
    page = client.get(reverse("medical:assessment", args=[assessment.pk])).content.decode()
    assert "Tuberculosis class A (active TB, infectious)" in page
    assert "Treatment before travel" in page
    assert "Record the completed treatment" in page
