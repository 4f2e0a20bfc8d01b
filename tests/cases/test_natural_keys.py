"""A record sent twice is recognised by what it is (its natural key, enforced by the database):
the second is refused naming the record that exists, through the page, the API and the
service alike, and the same way when the service's own check is passed by a concurrent writer
and the unique constraint catches it."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus, InterviewKind
from cases.interviews import services as interview_services
from cases.models import Case, Interview
from core.errors import DuplicateRecord
from medical import services as medical_services
from medical.choices import CheckResult, Vaccine
from medical.models import PreEmbarkationCheck, Vaccination
from orientation import services as orientation_services
from orientation.models import Curriculum, OrientationSession
from tests.api_clients import session_client
from tests.factories import CaseFactory, InterviewFactory
from tests.medical.conftest import case_in
from tests.medical.factories import (
    HealthAssessmentFactory,
    PreEmbarkationCheckFactory,
    VaccinationFactory,
)

pytestmark = pytest.mark.django_db

DOORS = ["page", "api", "service"]


def _first_check_misses(monkeypatch, module, name):
    """The service's own check finds nothing the first time (a concurrent writer had not
    committed yet), so the write meets the unique constraint instead."""
    real = getattr(module, name)
    calls = []

    def once_blind(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(module, name, once_blind)


# --- interviews -------------------------------------------------------------------------------


def _interview_again(door, user, case, when):
    local = timezone.localtime(when)
    if door == "page":
        response = session_client(user).post(
            reverse("interviews:schedule", args=[case.pk]),
            {
                "kind": InterviewKind.PRE_SCREENING,
                "scheduled_for": local.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 200
        return " ".join(response.context["form"].errors["scheduled_for"]), None
    if door == "api":
        response = session_client(user).post(
            "/api/v1/interviews/",
            {
                "case": case.pk,
                "kind": InterviewKind.PRE_SCREENING,
                "scheduled_for": when.isoformat(),
            },
            format="json",
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("duplicate", "scheduled_for")
        return error["message"], error["existing"]
    with pytest.raises(DuplicateRecord) as refused:
        interview_services.interview_schedule(
            actor=user, case=case, kind=InterviewKind.PRE_SCREENING, scheduled_for=when
        )
    return str(refused.value.message), refused.value.existing


@pytest.mark.parametrize("door", DOORS)
def test_an_interview_sent_again_is_refused_naming_it(door, caseworker):
    case = CaseFactory()
    when = (timezone.now() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    existing = InterviewFactory(case=case, scheduled_for=when)

    message, named = _interview_again(door, caseworker, case, when)

    assert f"id {existing.pk}" in message
    if named is not None:
        assert named["id"] == existing.pk
        assert named["api_url"] == f"/api/v1/interviews/{existing.pk}/"
    assert Interview.objects.filter(case=case).count() == 1


def test_an_interview_lost_to_a_concurrent_writer_gets_the_same_refusal(caseworker, monkeypatch):
    case = CaseFactory()
    when = timezone.now() + datetime.timedelta(days=3)
    existing = InterviewFactory(case=case, scheduled_for=when)
    _first_check_misses(monkeypatch, interview_services, "_appointment_taken")

    with pytest.raises(DuplicateRecord) as refused:
        interview_services.interview_schedule(
            actor=caseworker, case=case, kind=InterviewKind.PRE_SCREENING, scheduled_for=when
        )

    assert refused.value.existing["id"] == existing.pk
    assert refused.value.field == "scheduled_for"
    assert Interview.objects.filter(case=case).count() == 1


def test_the_database_refuses_a_second_copy_of_an_interview():
    interview = InterviewFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewFactory(
            case=interview.case, kind=interview.kind, scheduled_for=interview.scheduled_for
        )


# --- vaccinations and pre-embarkation checks -------------------------------------------------


def _vaccination_again(door, clinician, person, assessment):
    data = {
        "vaccine": Vaccine.MMR,
        "dose": 1,
        "given_on": timezone.localdate().isoformat(),
        "lot_number": "L-2",
    }
    if door == "page":
        response = session_client(clinician).post(
            reverse("medical:vaccination_add", args=[assessment.pk]), data
        )
        assert response.status_code == 400
        return " ".join(response.context["vaccination_form"].errors["dose"]), None
    if door == "api":
        response = session_client(clinician).post(
            "/api/v1/medical/vaccinations/", {**data, "individual": person.pk}, format="json"
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("duplicate", "dose")
        return error["message"], error["existing"]
    with pytest.raises(DuplicateRecord) as refused:
        medical_services.vaccination_record(
            actor=clinician,
            individual=person,
            vaccine=Vaccine.MMR,
            dose=1,
            given_on=timezone.localdate(),
            lot_number="L-2",
        )
    return str(refused.value.message), refused.value.existing


@pytest.mark.parametrize("door", DOORS)
def test_a_vaccination_sent_again_is_refused_naming_it(door, clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT)
    person = case.principal
    assessment = HealthAssessmentFactory(individual=person)
    existing = VaccinationFactory(individual=person, vaccine=Vaccine.MMR, dose=1)

    message, named = _vaccination_again(door, clinician, person, assessment)

    assert f"id {existing.pk}" in message
    if named is not None:
        assert named["id"] == existing.pk
    assert Vaccination.objects.filter(individual=person).count() == 1


def test_a_vaccination_lost_to_a_concurrent_writer_gets_the_same_refusal(clinician, monkeypatch):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT)
    existing = VaccinationFactory(individual=case.principal, vaccine=Vaccine.MMR, dose=1)
    _first_check_misses(monkeypatch, medical_services, "_vaccination_taken")

    with pytest.raises(DuplicateRecord) as refused:
        medical_services.vaccination_record(
            actor=clinician,
            individual=case.principal,
            vaccine=Vaccine.MMR,
            dose=1,
            given_on=timezone.localdate(),
            lot_number="L-2",
        )

    assert refused.value.existing["id"] == existing.pk
    assert Vaccination.objects.count() == 1


def _check_again(door, clinician, person, assessment, today, departure):
    data = {
        "checked_on": today.isoformat(),
        "planned_departure": departure.isoformat(),
        "result": CheckResult.FIT,
    }
    if door == "page":
        response = session_client(clinician).post(
            reverse("medical:check_add", args=[assessment.pk]),
            {f"check-{name}": value for name, value in data.items()},
        )
        assert response.status_code == 400
        return " ".join(response.context["check_form"].errors["checked_on"]), None
    if door == "api":
        response = session_client(clinician).post(
            "/api/v1/medical/pre-embarkation-checks/",
            {**data, "individual": person.pk},
            format="json",
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("duplicate", "checked_on")
        return error["message"], error["existing"]
    with pytest.raises(DuplicateRecord) as refused:
        medical_services.pre_embarkation_check_record(
            actor=clinician,
            individual=person,
            checked_on=today,
            planned_departure=departure,
            result=CheckResult.FIT,
        )
    return str(refused.value.message), refused.value.existing


@pytest.mark.parametrize("door", DOORS)
def test_a_pre_embarkation_check_sent_again_is_refused_naming_it(door, clinician):
    case = case_in(CaseStatus.BOOKED)
    person = case.principal
    assessment = HealthAssessmentFactory(individual=person)
    today = timezone.localdate()
    departure = today + datetime.timedelta(days=2)
    existing = PreEmbarkationCheckFactory(
        individual=person, checked_on=today, planned_departure=departure
    )

    message, named = _check_again(door, clinician, person, assessment, today, departure)

    assert f"id {existing.pk}" in message
    if named is not None:
        assert named["id"] == existing.pk
    assert PreEmbarkationCheck.objects.filter(individual=person).count() == 1


def test_a_check_lost_to_a_concurrent_writer_gets_the_same_refusal(clinician, monkeypatch):
    case = case_in(CaseStatus.BOOKED)
    today = timezone.localdate()
    existing = PreEmbarkationCheckFactory(individual=case.principal, checked_on=today)
    _first_check_misses(monkeypatch, medical_services, "_check_taken")

    with pytest.raises(DuplicateRecord) as refused:
        medical_services.pre_embarkation_check_record(
            actor=clinician,
            individual=case.principal,
            checked_on=today,
            planned_departure=existing.planned_departure,
            result=CheckResult.FIT,
        )

    assert refused.value.existing["id"] == existing.pk
    assert PreEmbarkationCheck.objects.count() == 1


# --- orientation sessions ---------------------------------------------------------------------


def _session_again(door, facilitator, curriculum, start):
    if door == "page":
        response = session_client(facilitator).post(
            reverse("orientation:session_plan"),
            {
                "curriculum": curriculum.pk,
                "start_date": start.isoformat(),
                "venue": " Mahama community hall ",
                "language": "Kinyarwanda",
                "facilitator": facilitator.pk,
                "capacity": "25",
            },
        )
        return " ".join(response.context["form"].errors["start_date"])
    with pytest.raises(DuplicateRecord) as refused:
        orientation_services.session_plan(
            actor=facilitator,
            curriculum=curriculum,
            start_date=start,
            venue="Mahama community hall",
            language="Kinyarwanda",
            facilitator=facilitator,
            capacity=25,
        )
    return str(refused.value.message)


@pytest.mark.parametrize("door", ["page", "service"])
def test_an_orientation_session_planned_again_is_refused_naming_it(door, facilitator):
    curriculum = Curriculum.objects.filter(destination_country__iso_code="USA").first()
    start = timezone.localdate() + datetime.timedelta(days=10)
    existing = orientation_services.session_plan(
        actor=facilitator,
        curriculum=curriculum,
        start_date=start,
        venue="Mahama community hall",
        language="Swahili",
        facilitator=facilitator,
        capacity=30,
    )

    message = _session_again(door, facilitator, curriculum, start)

    assert f"id {existing.pk}" in message
    assert OrientationSession.objects.count() == 1


def test_a_referral_lost_to_a_concurrent_intake_gets_the_same_refusal(caseworker, monkeypatch):
    from cases.services import referrals as case_services
    from tests.cases.test_services import member, referral

    existing = CaseFactory(unhcr_case_number="RWA-25-000777")
    _first_check_misses(monkeypatch, case_services, "_case_number_taken")

    with pytest.raises(DuplicateRecord) as refused:
        case_services.case_create(actor=caseworker, members=[member()], **referral())

    assert (refused.value.field, refused.value.existing["id"]) == ("unhcr_case_number", existing.pk)
    assert Case.objects.count() == 1


@pytest.mark.parametrize("door", DOORS)
def test_a_second_assessment_for_the_programme_is_refused_naming_the_first(door, clinician):
    case = case_in(CaseStatus.HEALTH_ASSESSMENT)
    person = case.principal
    existing = HealthAssessmentFactory(individual=person)
    when = timezone.localtime() + datetime.timedelta(days=1)
    if door == "page":
        response = session_client(clinician).post(
            reverse("medical:schedule", args=[case.pk]),
            {
                "individual": person.pk,
                "group": "refugee",
                "scheduled_for": when.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 400
        message = " ".join(response.context["schedule_form"].errors["individual"])
    elif door == "api":
        response = session_client(clinician).post(
            "/api/v1/medical/assessments/",
            {"case": case.pk, "individual": person.pk, "scheduled_for": when.isoformat()},
            format="json",
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["existing"]["api_url"] == f"/api/v1/medical/assessments/{existing.pk}/"
        message = error["message"]
    else:
        with pytest.raises(DuplicateRecord) as refused:
            medical_services.assessment_create(
                actor=clinician, individual=person, case=case, scheduled_for=when
            )
        message = str(refused.value.message)
    assert f"id {existing.pk}" in message
    assert person.health_assessments.count() == 1
