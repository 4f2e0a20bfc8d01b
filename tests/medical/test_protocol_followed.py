"""A clearance means the protocol was followed: a clearing outcome is refused while any part the
protocol asks of the person at their age is missing, and the refusal lists each part; deferred
and not cleared stay possible. The page, the API and the service give the same answer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from medical import services
from medical.choices import LabResultValue, LabTest, Outcome
from medical.models import HealthAssessment, LabResult
from tests.api_clients import session_client
from tests.medical.conftest import case_in, years_ago
from tests.medical.factories import ExaminedAssessmentFactory, HealthAssessmentFactory

pytestmark = pytest.mark.django_db

DOORS = ["page", "api", "service"]
TODAY = timezone.localdate


def record_outcome(door, clinician, assessment, outcome):
    """Returns (recorded, the refusal's message or "")."""
    data = {"outcome": outcome, "outcome_on": TODAY().isoformat()}
    if door == "page":
        response = session_client(clinician).post(
            reverse("medical:outcome", args=[assessment.pk]), data
        )
        if response.status_code == 302:
            return True, ""
        errors = response.context["outcome_form"].errors
        return False, " ".join(errors.get("outcome", []))
    if door == "api":
        response = session_client(clinician).post(
            f"/api/v1/medical/assessments/{assessment.pk}/outcome/", data, format="json"
        )
        if response.status_code == 200:
            return True, ""
        error = response.json()["error"]
        assert (response.status_code, error["field"], error["code"]) == (
            400,
            "outcome",
            "protocol_incomplete",
        )
        return False, error["message"]
    try:
        services.assessment_record_outcome(
            actor=clinician, assessment=assessment, outcome=outcome, outcome_on=TODAY()
        )
    except ApplicationError as refusal:
        assert (refusal.field, refusal.code) == ("outcome", "protocol_incomplete")
        return False, str(refusal.message)
    return True, ""


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("outcome", [Outcome.CLEARED])
def test_a_clearance_with_parts_missing_is_refused_listing_each(door, outcome, clinician):
    case = case_in(adults=1)
    assessment = HealthAssessmentFactory(individual=case.principal)
    LabResult.objects.create(
        assessment=assessment,
        test=LabTest.IGRA,
        result=LabResultValue.NEGATIVE,
        tested_on=TODAY(),
    )

    recorded, message = record_outcome(door, clinician, assessment, outcome)

    assert not recorded
    for part in (
        "the assessment date",
        "the physical examination",
        "Syphilis test",
        "Gonorrhoea test",
        "the chest X-ray",
        "the TB classification",
    ):
        assert part in message
    assert "IGRA" not in message  # recorded: not missing
    assessment.refresh_from_db()
    assert (assessment.outcome, assessment.valid_until) == ("", None)


@pytest.mark.parametrize("door", DOORS)
def test_a_result_not_done_does_not_count_as_the_test(door, clinician):
    case = case_in(adults=1)
    assessment = ExaminedAssessmentFactory(individual=case.principal)
    LabResult.objects.filter(assessment=assessment, test=LabTest.SYPHILIS).update(
        result=LabResultValue.NOT_DONE
    )

    recorded, message = record_outcome(door, clinician, assessment, Outcome.CLEARED)

    assert not recorded
    assert "Syphilis test" in message


@pytest.mark.parametrize("door", DOORS)
def test_a_child_needs_only_what_the_protocol_asks_at_their_age(door, clinician):
    case = case_in(adults=1, children=1)
    child = case.members.get(date_of_birth=years_ago(8))
    assessment = HealthAssessmentFactory(
        individual=child,
        assessed_on=TODAY() - datetime.timedelta(days=1),
        physical_examination="Growth normal for age.",
    )
    LabResult.objects.create(
        assessment=assessment, test=LabTest.IGRA, result=LabResultValue.NEGATIVE, tested_on=TODAY()
    )

    recorded, _message = record_outcome(door, clinician, assessment, Outcome.CLEARED)

    assert recorded  # no chest X-ray, syphilis or gonorrhoea test under 15 for USRAP
    assert HealthAssessment.objects.get(pk=assessment.pk).outcome == Outcome.CLEARED


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("outcome", [Outcome.DEFERRED, Outcome.NOT_CLEARED])
def test_deferred_and_not_cleared_are_possible_at_any_time(door, outcome, clinician):
    case = case_in(adults=1)
    assessment = HealthAssessmentFactory(individual=case.principal)

    recorded, _message = record_outcome(door, clinician, assessment, outcome)

    assert recorded
    assert HealthAssessment.objects.get(pk=assessment.pk).outcome == outcome
