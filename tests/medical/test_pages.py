"""The clinic's pages: a clinician records a whole assessment; everyone else is kept out."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus, EventKind
from cases.models import CaseEvent
from core.roles import Role
from medical.choices import AccessChannel, CheckResult, LabTest, Outcome, RecordKind
from medical.models import (
    HealthAssessment,
    LabResult,
    MedicalRecordAccess,
    PreEmbarkationCheck,
    Vaccination,
)
from tests.factories import CaseFactory, IndividualFactory
from tests.medical.conftest import case_in, years_ago
from tests.medical.factories import ClearedAssessmentFactory, HealthAssessmentFactory

TODAY = timezone.localdate
NON_CLINICAL = [
    Role.CASEWORKER,
    Role.MANAGER,
    Role.MOVEMENT_OFFICER,
    Role.ORIENTATION_FACILITATOR,
    Role.PARTNER_SYSTEM,
    Role.ADMINISTRATOR,
]


def days(n):
    return datetime.timedelta(days=n)


def test_a_clinician_records_a_full_assessment_in_the_browser(client, clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT, adults=1)
    person = case.principal
    client.force_login(clinician)

    # The appointment, from the case's clinic page.
    page = client.get(reverse("medical:case", args=[case.pk]))
    assert page.status_code == 200
    appointment = timezone.localtime().replace(hour=10, minute=30)
    response = client.post(
        reverse("medical:schedule", args=[case.pk]),
        {
            "individual": person.pk,
            "group": "refugee",
            "scheduled_for": appointment.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assessment = HealthAssessment.objects.get(individual=person)
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()

    # Today's appointments list it.
    today = client.get(reverse("medical:today"))
    assert person.full_name in today.content.decode()

    # The parts, the results, the outcome.
    response = client.post(
        reverse("medical:assessment_parts", args=[assessment.pk]),
        {
            "group": "refugee",
            "scheduled_for": appointment.strftime("%Y-%m-%dT%H:%M"),
            "assessed_on": TODAY().isoformat(),
            "medical_history": "No chronic illness",
            "physical_examination": "Normal",
            "mental_health_evaluation": "No concerns",
            "pre_test_counselling_on": TODAY().isoformat(),
            "post_test_counselling_on": TODAY().isoformat(),
            "chest_xray_on": TODAY().isoformat(),
            "chest_xray_findings": "Clear lung fields",
            "tb_classification": "none",
            "specialist_referrals": "",
        },
    )
    assert response.status_code == 302
    for test in (LabTest.IGRA, LabTest.SYPHILIS, LabTest.GONORRHOEA):
        response = client.post(
            reverse("medical:lab_result_add", args=[assessment.pk]),
            {"lab-test": test, "lab-result": "negative", "lab-tested_on": TODAY().isoformat()},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("medical:vaccination_add", args=[assessment.pk]),
        {"vaccine": "mmr", "dose": 1, "given_on": TODAY().isoformat(), "lot_number": "MMR-1"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("medical:outcome", args=[assessment.pk]),
        {"outcome": Outcome.CLEARED, "outcome_on": TODAY().isoformat()},
    )
    assert response.status_code == 302

    assessment.refresh_from_db()
    assert assessment.assessed_on == TODAY()
    assert assessment.chest_xray_findings == "Clear lung fields"
    assert assessment.outcome == Outcome.CLEARED
    assert assessment.valid_until == TODAY() + days(180)
    assert LabResult.objects.filter(assessment=assessment).count() == 3
    assert Vaccination.objects.get(individual=person).lot_number == "MMR-1"
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_CLEARED

    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Clear lung fields" in page
    assert "MMR-1" in page


def test_the_form_shows_the_chest_x_ray_only_from_the_protocols_age(client, clinician):
    case = case_in(adults=1, children=1)
    child = case.members.get(relationship="CHILD")
    adult_assessment = HealthAssessmentFactory(individual=case.principal)
    child_assessment = HealthAssessmentFactory(individual=child)
    client.force_login(clinician)

    adult_page = client.get(adult_assessment.get_absolute_url())
    child_page = client.get(child_assessment.get_absolute_url())

    assert "chest_xray_on" in adult_page.context["parts_form"].fields
    assert 'name="chest_xray_on"' in adult_page.content.decode()
    assert 'name="chest_xray_on"' not in child_page.content.decode()
    # USRAP at 8: the TB blood test only; at 35: also syphilis and gonorrhoea.
    assert child_page.context["required_tests"] == [LabTest.IGRA]
    assert set(adult_page.context["required_tests"]) == {
        LabTest.IGRA,
        LabTest.SYPHILIS,
        LabTest.GONORRHOEA,
    }


def test_viewing_an_assessment_page_is_logged(client, clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    client.force_login(clinician)

    client.get(assessment.get_absolute_url())

    access = MedicalRecordAccess.objects.get()
    assert (access.user, access.individual, access.record_kind, access.record_id, access.via) == (
        clinician,
        health_case.principal,
        RecordKind.ASSESSMENT,
        assessment.pk,
        AccessChannel.PAGE,
    )


def test_an_outcome_without_a_date_shows_a_form_error_and_saves_nothing(
    client, clinician, health_case
):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    client.force_login(clinician)

    response = client.post(
        reverse("medical:outcome", args=[assessment.pk]), {"outcome": Outcome.CLEARED}
    )

    assert response.status_code == 400
    assert response.context["outcome_form"].errors["outcome_on"]
    assessment.refresh_from_db()
    assert assessment.outcome == ""
    assert not CaseEvent.objects.filter(kind=EventKind.MEDICAL).exists()


def test_a_check_outside_the_window_shows_a_form_error_and_saves_nothing(
    client, clinician, health_case
):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    client.force_login(clinician)

    response = client.post(
        reverse("medical:check_add", args=[assessment.pk]),
        {
            "check-checked_on": TODAY().isoformat(),
            "check-planned_departure": (TODAY() + days(9)).isoformat(),
            "check-result": CheckResult.FIT,
        },
    )

    assert response.status_code == 400
    assert "must happen between" in response.context["check_form"].errors["checked_on"][0]
    assert not PreEmbarkationCheck.objects.exists()


def test_a_future_assessment_date_shows_a_form_error(client, clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    client.force_login(clinician)

    response = client.post(
        reverse("medical:assessment_parts", args=[assessment.pk]),
        {"group": "refugee", "assessed_on": (TODAY() + days(3)).isoformat()},
    )

    assert response.status_code == 400
    assert response.context["parts_form"].errors["assessed_on"]
    assessment.refresh_from_db()
    assert assessment.assessed_on is None


def test_an_appointment_for_a_person_not_on_the_case_is_refused(client, clinician, health_case):
    stranger = CaseFactory().principal
    client.force_login(clinician)

    response = client.post(
        reverse("medical:schedule", args=[health_case.pk]),
        {"individual": stranger.pk, "group": "refugee", "scheduled_for": "2026-12-01T09:00"},
    )

    assert response.status_code == 400
    assert response.context["schedule_form"].errors["individual"]
    assert not HealthAssessment.objects.exists()


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_other_roles_are_refused_every_clinic_page_and_change_nothing(
    client, all_roles, role, health_case
):
    assessment = ClearedAssessmentFactory(individual=health_case.principal)
    client.force_login(all_roles[role])
    pages = [
        reverse("medical:today"),
        reverse("medical:expiring"),
        reverse("medical:case", args=[health_case.pk]),
        assessment.get_absolute_url(),
    ]
    posts = {
        reverse("medical:outcome", args=[assessment.pk]): {
            "outcome": Outcome.NOT_CLEARED,
            "outcome_on": TODAY().isoformat(),
        },
        reverse("medical:vaccination_add", args=[assessment.pk]): {
            "vaccine": "mmr",
            "dose": 1,
            "given_on": TODAY().isoformat(),
            "lot_number": "X",
        },
        reverse("medical:schedule", args=[health_case.pk]): {
            "individual": health_case.principal.pk,
            "scheduled_for": "2026-12-01T09:00",
        },
    }

    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Class B2" not in response.content.decode()
        assert "malaria" not in response.content.decode()
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url

    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED
    assert not Vaccination.objects.exists()
    assert HealthAssessment.objects.count() == 1
    assert not MedicalRecordAccess.objects.exists()


def test_clinic_pages_need_a_login(client, health_case):
    response = client.get(reverse("medical:today"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_expiring_list_shows_clearances_ending_within_the_days_asked(client, clinician):
    soon = ClearedAssessmentFactory(
        individual=case_in(adults=1).principal, valid_until=TODAY() + days(20)
    )
    later = ClearedAssessmentFactory(
        individual=case_in(adults=1).principal, valid_until=TODAY() + days(50)
    )
    expired = ClearedAssessmentFactory(
        individual=case_in(adults=1).principal, valid_until=TODAY() - days(1)
    )
    client.force_login(clinician)

    default = client.get(reverse("medical:expiring"))
    longer = client.get(reverse("medical:expiring") + "?days=60")

    assert list(default.context["clearances"]) == [soon]
    assert list(longer.context["clearances"]) == [soon, later]
    assert expired not in longer.context["clearances"]
    assert default.context["days"] == 30


# --- Query counts ----


def _appointments(n):
    for _ in range(n):
        case = case_in(adults=1)
        HealthAssessmentFactory(individual=case.principal)


@pytest.mark.parametrize("rows", [2, 6])
def test_todays_appointments_take_a_fixed_number_of_queries(
    client, clinician, django_assert_num_queries, rows
):
    _appointments(rows)
    client.force_login(clinician)
    client.get(reverse("medical:today"))  # warm the session
    # session, user, roles, appointments
    with django_assert_num_queries(4):
        response = client.get(reverse("medical:today"))
    assert len(response.context["appointments"]) == rows


@pytest.mark.parametrize("rows", [2, 6])
def test_the_expiring_list_takes_a_fixed_number_of_queries(
    client, clinician, django_assert_num_queries, rows
):
    for _ in range(rows):
        ClearedAssessmentFactory(individual=case_in(adults=1).principal)
    client.force_login(clinician)
    client.get(reverse("medical:expiring"))
    with django_assert_num_queries(4):
        response = client.get(reverse("medical:expiring") + "?days=200")
    assert len(response.context["clearances"]) == rows


@pytest.mark.parametrize("members", [1, 5])
def test_a_cases_clinic_page_takes_a_fixed_number_of_queries(
    client, clinician, django_assert_num_queries, members
):
    case = case_in(adults=1)
    for _ in range(members - 1):
        IndividualFactory(case=case, date_of_birth=years_ago(20))
    for person in case.members.all():
        HealthAssessmentFactory(individual=person)
    client.force_login(clinician)
    client.get(reverse("medical:case", args=[case.pk]))
    with django_assert_num_queries(7):
        response = client.get(reverse("medical:case", args=[case.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == members + 1  # the header, one per person
