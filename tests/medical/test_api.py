"""The clinic's REST API: clinicians write and read detail, others read summaries only."""

import datetime

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from cases.choices import CaseStatus
from cases.models import Country, PartnerProfile
from core.roles import Role
from medical.choices import AccessChannel, CheckResult, LabTest, Outcome, RecordKind
from medical.models import (
    HealthAssessment,
    LabResult,
    MedicalRecordAccess,
    PreEmbarkationCheck,
    Vaccination,
)
from tests.factories import CaseFactory
from tests.medical.conftest import case_in
from tests.medical.factories import (
    ClearedAssessmentFactory,
    HealthAssessmentFactory,
    LabResultFactory,
    PreEmbarkationCheckFactory,
    VaccinationFactory,
)

TODAY = timezone.localdate
ASSESSMENTS = "/api/v1/medical/assessments/"
CHECKS = "/api/v1/medical/pre-embarkation-checks/"
VACCINATIONS = "/api/v1/medical/vaccinations/"
EXPIRING = "/api/v1/medical/clearances/expiring/"
STAFF_NON_CLINICAL = [
    Role.CASEWORKER,
    Role.MANAGER,
    Role.MOVEMENT_OFFICER,
    Role.ORIENTATION_FACILITATOR,
    Role.ADMINISTRATOR,
]


def days(n):
    return datetime.timedelta(days=n)


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user, scope):
    token = AccessToken.objects.create(
        user=user,
        token=f"token-{user.pk}-{scope}",
        expires=timezone.now() + datetime.timedelta(hours=1),
        scope=scope,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"]
    if field:
        assert body["field"] == field
    return body


# --- Clinicians write ----


def test_a_clinician_opens_fills_and_concludes_an_assessment_through_the_api(clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT)
    api = api_as(clinician)

    created = api.post(
        ASSESSMENTS,
        {"case": case.pk, "individual": case.principal.pk, "scheduled_for": timezone.now()},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    patched = api.patch(
        f"{ASSESSMENTS}{pk}/",
        {
            "assessed_on": TODAY(),
            "medical_history": "None of note",
            "physical_examination": "Unremarkable",
            "chest_xray_on": TODAY(),
            "tb_classification": "none",
        },
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["medical_history"] == "None of note"
    # What the USRAP protocol asks of an adult: IGRA, syphilis and gonorrhoea.
    for test in (LabTest.IGRA, LabTest.SYPHILIS, LabTest.GONORRHOEA):
        lab = api.post(
            f"{ASSESSMENTS}{pk}/lab-results/",
            {"test": test, "result": "negative", "tested_on": TODAY()},
            format="json",
        )
        assert lab.status_code == 201
    outcome = api.post(
        f"{ASSESSMENTS}{pk}/outcome/",
        {
            "outcome": Outcome.CLEARED_WITH_CONDITIONS,
            "outcome_on": TODAY(),
            "conditions": ["medical_escort"],
        },
        format="json",
    )
    assert outcome.status_code == 200, outcome.content
    assert outcome.json()["valid_until"] == (TODAY() + days(180)).isoformat()
    assert outcome.json()["conditions"] == ["medical_escort"]

    detail = api.get(f"{ASSESSMENTS}{pk}/").json()
    assert detail["lab_results"][0]["test"] == LabTest.IGRA
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_CLEARED


def test_a_clinician_records_vaccinations_and_checks_through_the_api(clinician, health_case):
    api = api_as(clinician)
    person = health_case.principal

    vaccination = api.post(
        VACCINATIONS,
        {
            "individual": person.pk,
            "vaccine": "mmr",
            "dose": 1,
            "given_on": TODAY(),
            "lot_number": "L-77",
        },
        format="json",
    )
    check = api.post(
        CHECKS,
        {
            "individual": person.pk,
            "case": health_case.pk,
            "checked_on": TODAY(),
            "planned_departure": TODAY() + days(2),
            "result": CheckResult.FIT,
        },
        format="json",
    )

    assert vaccination.status_code == 201
    assert check.status_code == 201
    assert Vaccination.objects.get().lot_number == "L-77"
    assert PreEmbarkationCheck.objects.get().result == CheckResult.FIT


def test_reading_an_assessment_in_the_api_is_logged(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)

    api_as(clinician).get(f"{ASSESSMENTS}{assessment.pk}/")

    access = MedicalRecordAccess.objects.get()
    assert (access.user, access.record_kind, access.record_id, access.via) == (
        clinician,
        RecordKind.ASSESSMENT,
        assessment.pk,
        AccessChannel.API,
    )


# --- Bad input ----


def test_an_assessment_for_a_person_not_on_the_case_is_a_400_naming_the_field(
    clinician, health_case
):
    stranger = CaseFactory().principal
    response = api_as(clinician).post(
        ASSESSMENTS, {"case": health_case.pk, "individual": stranger.pk}, format="json"
    )
    assert_error(response, 400, "individual")
    assert not HealthAssessment.objects.exists()


def test_a_future_assessment_date_is_a_400(clinician, health_case):
    response = api_as(clinician).post(
        ASSESSMENTS,
        {
            "case": health_case.pk,
            "individual": health_case.principal.pk,
            "assessed_on": TODAY() + days(1),
        },
        format="json",
    )
    assert_error(response, 400, "assessed_on")
    assert not HealthAssessment.objects.exists()


def test_an_outcome_without_a_date_is_a_400(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    response = api_as(clinician).post(
        f"{ASSESSMENTS}{assessment.pk}/outcome/", {"outcome": Outcome.CLEARED}, format="json"
    )
    assert_error(response, 400, "outcome_on")
    assessment.refresh_from_db()
    assert assessment.outcome == ""


def test_a_check_outside_the_window_is_a_400(clinician, health_case):
    response = api_as(clinician).post(
        CHECKS,
        {
            "individual": health_case.principal.pk,
            "checked_on": TODAY() - days(10),
            "planned_departure": TODAY() + days(1),
            "result": CheckResult.FIT,
        },
        format="json",
    )
    body = assert_error(response, 400, "checked_on")
    assert body["code"] == "outside_window"
    assert not PreEmbarkationCheck.objects.exists()


def test_an_unknown_lab_test_is_a_400(clinician, health_case):
    assessment = HealthAssessmentFactory(individual=health_case.principal)
    response = api_as(clinician).post(
        f"{ASSESSMENTS}{assessment.pk}/lab-results/",
        {"test": "blood_type", "result": "negative", "tested_on": TODAY()},
        format="json",
    )
    assert_error(response, 400, "test")
    assert not LabResult.objects.exists()


# --- Everyone else ----


@pytest.mark.parametrize("role", [*STAFF_NON_CLINICAL, Role.PARTNER_SYSTEM])
def test_non_clinicians_cannot_read_detail_or_write_and_nothing_changes(all_roles, role):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT, adults=2)
    principal, spouse = case.members.all()
    assessment = ClearedAssessmentFactory(individual=principal)
    api = api_as(all_roles[role])

    responses = [
        api.get(f"{ASSESSMENTS}{assessment.pk}/"),
        api.get(VACCINATIONS),
        api.post(ASSESSMENTS, {"case": case.pk, "individual": spouse.pk}, format="json"),
        api.patch(f"{ASSESSMENTS}{assessment.pk}/", {"medical_history": "x"}, format="json"),
        api.delete(f"{ASSESSMENTS}{assessment.pk}/"),
        api.post(
            f"{ASSESSMENTS}{assessment.pk}/outcome/",
            {"outcome": Outcome.NOT_CLEARED, "outcome_on": TODAY()},
            format="json",
        ),
        api.post(
            VACCINATIONS,
            {
                "individual": spouse.pk,
                "vaccine": "mmr",
                "dose": 1,
                "given_on": TODAY(),
                "lot_number": "L",
            },
            format="json",
        ),
        api.post(
            CHECKS,
            {
                "individual": spouse.pk,
                "checked_on": TODAY(),
                "planned_departure": TODAY() + days(1),
                "result": "fit",
            },
            format="json",
        ),
    ]

    for response in responses:
        assert response.status_code in (403, 404), response.request
        assert "malaria" not in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.CLEARED
    assert assessment.medical_history.startswith("Treated for malaria")
    assert HealthAssessment.objects.count() == 1
    assert not Vaccination.objects.exists()
    assert not PreEmbarkationCheck.objects.exists()
    assert not MedicalRecordAccess.objects.exists()


@pytest.mark.parametrize("role", STAFF_NON_CLINICAL)
def test_staff_read_the_clearance_summary(all_roles, role):
    case = case_in(adults=1)
    ClearedAssessmentFactory(
        individual=case.principal,
        outcome=Outcome.CLEARED_WITH_CONDITIONS,
        conditions=["wheelchair"],
    )
    PreEmbarkationCheckFactory(individual=case.principal, result=CheckResult.FIT_WITH_ESCORT)

    response = api_as(all_roles[role]).get(ASSESSMENTS, {"case": case.pk})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["outcome"] == Outcome.CLEARED_WITH_CONDITIONS
    assert row["conditions"] == ["wheelchair"]
    assert row["pre_embarkation_result"] == CheckResult.FIT_WITH_ESCORT
    assert set(row) == {
        "id",
        "individual",
        "individual_name",
        "case",
        "case_number",
        "programme",
        "group",
        "assessed_on",
        "outcome",
        "conditions",
        "valid_until",
        "pre_embarkation_result",
    }
    # The assessment's group and date, so a partner can reconcile the yearly figures.
    assert row["group"] == "refugee"
    assert row["assessed_on"] is not None


def test_a_partner_with_medical_read_sees_summaries_of_its_own_countrys_cases(partner):
    PartnerProfile.objects.create(
        user=partner, organisation="US mission", country=Country.objects.get(iso_code="USA")
    )
    own = ClearedAssessmentFactory(individual=case_in(adults=1).principal)
    other_case = case_in(adults=1, destination_country=Country.objects.get(iso_code="CAN"))
    ClearedAssessmentFactory(individual=other_case.principal)

    response = token_client(partner, "medical:read").get(ASSESSMENTS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    assert "tb_classification" not in response.content.decode()
    assert "malaria" not in response.content.decode()


def test_a_partner_token_without_medical_read_is_refused(partner):
    ClearedAssessmentFactory(individual=case_in(adults=1).principal)

    response = token_client(partner, "cases:read").get(ASSESSMENTS)

    assert_error(response, 403)


def test_a_partner_token_cannot_read_the_detail_even_with_medical_read(partner):
    assessment = ClearedAssessmentFactory(individual=case_in(adults=1).principal)

    response = token_client(partner, "medical:read").get(f"{ASSESSMENTS}{assessment.pk}/")

    assert response.status_code == 403
    assert "malaria" not in response.content.decode()


def test_the_expiring_list_takes_days_from_the_query(caseworker):
    soon = ClearedAssessmentFactory(
        individual=case_in(adults=1).principal, valid_until=TODAY() + days(5)
    )
    ClearedAssessmentFactory(individual=case_in(adults=1).principal, valid_until=TODAY() + days(45))
    api = api_as(caseworker)

    default = api.get(EXPIRING).json()["results"]
    week = api.get(EXPIRING, {"days": 7}).json()["results"]
    longer = api.get(EXPIRING, {"days": 60}).json()["results"]

    assert [r["id"] for r in default] == [soon.pk]
    assert [r["id"] for r in week] == [soon.pk]
    assert len(longer) == 2
    assert_error(api.get(EXPIRING, {"days": "soon"}), 400, "days")


def test_the_medical_endpoints_are_in_the_openapi_schema(clinician):
    response = api_as(clinician).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/medical/assessments/",
        "/api/v1/medical/assessments/{id}/",
        "/api/v1/medical/assessments/{id}/outcome/",
        "/api/v1/medical/assessments/{id}/lab-results/",
        "/api/v1/medical/vaccinations/",
        "/api/v1/medical/pre-embarkation-checks/",
        "/api/v1/medical/clearances/expiring/",
    ):
        assert path in paths, path


# --- Query counts ----


def _rows(n):
    for _ in range(n):
        case = case_in(adults=1)
        assessment = ClearedAssessmentFactory(individual=case.principal)
        LabResultFactory(assessment=assessment)
        VaccinationFactory(individual=case.principal)
        PreEmbarkationCheckFactory(individual=case.principal)


@pytest.mark.parametrize("rows", [2, 6])
@pytest.mark.parametrize(
    ("url", "queries"),
    [(ASSESSMENTS, 3), (CHECKS, 3), (EXPIRING, 3)],
)
def test_summary_lists_take_a_fixed_number_of_queries(
    caseworker, django_assert_num_queries, rows, url, queries
):
    _rows(rows)
    api = api_as(caseworker)
    # the roles, the count, the page (related rows and the latest check joined in)
    with django_assert_num_queries(queries):
        response = api.get(url, {"days": 365} if url == EXPIRING else {})
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [2, 6])
def test_the_vaccination_list_takes_a_fixed_number_of_queries(
    clinician, django_assert_num_queries, rows
):
    _rows(rows)
    api = api_as(clinician)
    # roles, count, page, one insert into the access log
    with django_assert_num_queries(4):
        response = api.get(VACCINATIONS)
    assert response.json()["count"] == rows
    assert MedicalRecordAccess.objects.filter(record_kind=RecordKind.VACCINATION).count() == rows


@pytest.mark.parametrize("rows", [2, 6])
def test_a_partners_summary_list_takes_a_fixed_number_of_queries(
    partner, django_assert_num_queries, rows
):
    _rows(rows)
    api = token_client(partner, "medical:read")
    api.get(ASSESSMENTS)
    # the token, its user, the roles, the count, the page, the partner access log entry
    with django_assert_num_queries(6):
        response = api.get(ASSESSMENTS)
    assert response.json()["count"] == rows


def test_a_partner_without_a_token_is_refused_the_summary(partner):
    ClearedAssessmentFactory(individual=case_in(adults=1).principal)

    for url in (ASSESSMENTS, CHECKS, EXPIRING):
        assert_error(api_as(partner).get(url), 403)


def test_a_clinician_cancels_an_appointment_but_not_an_assessment_with_an_outcome(clinician):
    case = case_in(adults=2)
    principal, spouse = case.members.all()
    appointment = HealthAssessmentFactory(individual=principal)
    concluded = ClearedAssessmentFactory(individual=spouse)
    api = api_as(clinician)

    assert api.delete(f"{ASSESSMENTS}{appointment.pk}/").status_code == 204
    assert_error(api.delete(f"{ASSESSMENTS}{concluded.pk}/"), 400)

    assert list(HealthAssessment.objects.all()) == [concluded]


def test_an_unknown_assessment_is_a_404(clinician):
    assert_error(api_as(clinician).get(f"{ASSESSMENTS}999999/"), 404)
