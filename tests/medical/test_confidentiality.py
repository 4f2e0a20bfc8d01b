"""Medical detail reaches clinicians only: every other role sees the clearance, its validity,
its travel conditions and the pre-embarkation result, and nothing else, wherever it looks."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from cases.panels import panels_for
from core.roles import Role
from medical.choices import CheckResult, LabTest, Outcome, TravelCondition
from medical.models import MedicalRecordAccess
from tests.medical.conftest import case_in
from tests.medical.factories import (
    ClearedAssessmentFactory,
    LabResultFactory,
    PreEmbarkationCheckFactory,
    VaccinationFactory,
)

TODAY = timezone.localdate
STAFF_NON_CLINICAL = [
    Role.CASEWORKER,
    Role.MANAGER,
    Role.MOVEMENT_OFFICER,
    Role.ORIENTATION_FACILITATOR,
    Role.ADMINISTRATOR,
]
# Values that only a clinician may ever read.
SECRETS = (
    "Treated for malaria",  # history
    "Class B2",  # the X-ray's TB classification (label)
    "latent TB",
    "Syphilis",  # a laboratory test
    "Pulmonary nodule",  # X-ray findings
    "Insulin on board",  # clinical notes of the outcome
    "Mild asthma",  # clinical notes of the check
    "LOT-SECRET-1",  # a vaccination lot
)


@pytest.fixture
def recorded_case(db, clinician):
    case = case_in(adults=2)
    principal, spouse = case.members.all()
    valid_until = TODAY() + datetime.timedelta(days=150)
    assessment = ClearedAssessmentFactory(
        individual=principal,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        conditions=[TravelCondition.WHEELCHAIR],
        valid_until=valid_until,
        chest_xray_findings="Pulmonary nodule, stable",
        outcome_notes="Insulin on board",
        clinician=clinician,
    )
    LabResultFactory(assessment=assessment, test=LabTest.SYPHILIS)
    VaccinationFactory(individual=principal, lot_number="LOT-SECRET-1")
    PreEmbarkationCheckFactory(
        individual=principal, result=CheckResult.FIT_WITH_ESCORT, clinical_notes="Mild asthma"
    )
    return case, principal, spouse, assessment


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.parametrize("role", STAFF_NON_CLINICAL)
def test_the_case_page_shows_staff_the_clearance_and_its_expiry_but_no_detail(
    client, all_roles, role, recorded_case
):
    case, _principal, _spouse, assessment = recorded_case
    client.force_login(all_roles[role])

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Health clearance" in page
    assert "Cleared with conditions" in page
    assert date_format(assessment.valid_until) in page
    assert "Wheelchair" in page
    assert "Fit to travel with a medical escort" in page
    assert "Not yet assessed" in page  # the spouse
    assert reverse("medical:assessment", args=[assessment.pk]) not in page
    assert_no_secret(page)
    assert not MedicalRecordAccess.objects.exists()


def test_the_case_page_links_clinicians_to_the_detail(client, clinician, recorded_case):
    case, _principal, _spouse, assessment = recorded_case
    client.force_login(clinician)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("medical:assessment", args=[assessment.pk]) in page
    assert reverse("medical:case", args=[case.pk]) in page


@pytest.mark.parametrize("role", STAFF_NON_CLINICAL)
def test_the_registered_panel_carries_only_the_summary(all_roles, role, recorded_case):
    case, principal, _spouse, assessment = recorded_case
    user = all_roles[role]

    ((panel, context),) = [(p, c) for p, c in panels_for(case, user) if p.name == "medical"]
    html = render_to_string(panel.template, context)

    row = context["travellers"][0]
    assert row.person == principal
    assert row.outcome == Outcome.CLEARED_WITH_CONDITIONS
    assert row.valid_until == assessment.valid_until
    assert context["show_detail_links"] is False
    assert date_format(assessment.valid_until) in html
    assert_no_secret(html)


def test_the_panel_is_not_shown_to_partner_systems(partner, recorded_case):
    case = recorded_case[0]
    assert [p for p, _c in panels_for(case, partner) if p.name == "medical"] == []


def _medical_api_answers(user, case, assessment):
    api = APIClient()
    api.force_authenticate(user)
    return {
        "summary": api.get("/api/v1/medical/assessments/", {"case": case.pk}),
        "checks": api.get("/api/v1/medical/pre-embarkation-checks/", {"case": case.pk}),
        "detail": api.get(f"/api/v1/medical/assessments/{assessment.pk}/"),
        "vaccinations": api.get("/api/v1/medical/vaccinations/"),
    }


@pytest.mark.parametrize("role", STAFF_NON_CLINICAL)
def test_staff_read_only_the_clearance_summary_through_the_api(all_roles, role, recorded_case):
    case, _principal, _spouse, assessment = recorded_case

    answers = _medical_api_answers(all_roles[role], case, assessment)

    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {"summary": 200, "checks": 200, "detail": 403, "vaccinations": 403}
    assert "cleared_with_conditions" in answers["summary"].content.decode()
    for response in answers.values():
        assert_no_secret(response.content.decode())
    assert not MedicalRecordAccess.objects.exists()


def test_a_partner_session_without_the_medical_scope_reads_nothing_medical(partner, recorded_case):
    case, _principal, _spouse, assessment = recorded_case

    answers = _medical_api_answers(partner, case, assessment)

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    for response in answers.values():
        assert_no_secret(response.content.decode())
    assert not MedicalRecordAccess.objects.exists()


@pytest.mark.parametrize("role", STAFF_NON_CLINICAL)
def test_clinic_pages_refuse_other_roles_without_a_medical_value(
    client, all_roles, role, recorded_case
):
    case, _principal, _spouse, assessment = recorded_case
    client.force_login(all_roles[role])
    for url in (
        reverse("medical:assessment", args=[assessment.pk]),
        reverse("medical:case", args=[case.pk]),
        reverse("medical:expiring"),
        reverse("medical:today"),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert_no_secret(response.content.decode())


def test_the_clinician_sees_the_detail(client, clinician, recorded_case):
    _case, _principal, _spouse, assessment = recorded_case
    client.force_login(clinician)

    response = client.get(reverse("medical:assessment", args=[assessment.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    for value in ("Treated for malaria", "Class B2", "Syphilis", "LOT-SECRET-1", "Mild asthma"):
        assert value in page


def test_the_timeline_carries_no_medical_detail(client, clinician, caseworker):
    from medical import services

    case = case_in(adults=1)
    client.force_login(clinician)
    assessment = services.assessment_create(actor=clinician, individual=case.principal)
    services.assessment_update(
        actor=clinician,
        assessment=assessment,
        assessed_on=TODAY(),
        medical_history="Treated for malaria",
        chest_xray_findings="Pulmonary nodule",
    )
    services.lab_result_add(
        actor=clinician,
        assessment=assessment,
        test=LabTest.SYPHILIS,
        result="positive",
        tested_on=TODAY(),
    )
    services.assessment_record_outcome(
        actor=clinician,
        assessment=assessment,
        outcome=Outcome.DEFERRED,
        outcome_on=TODAY(),
        outcome_notes="Insulin on board",
    )
    client.force_login(caseworker)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Deferred" in page
    assert_no_secret(page)
    for event in case.events.all():
        assert_no_secret(f"{event.reason} {event.data}")
