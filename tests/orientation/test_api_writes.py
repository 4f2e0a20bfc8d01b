"""Planning, enrolling, taking out and cancelling through the API: the same services as the
pages, so the same rules (a full session refuses a household whatever the door)."""

import datetime

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from cases.choices import EventKind
from orientation import services
from orientation.choices import SessionStatus
from orientation.models import Enrollment, OrientationSession
from tests.api_clients import bearer_client, session_client
from tests.orientation.conftest import household, plan

LIST = "/api/v1/orientation/sessions/"
MANAGERS = ["facilitator", "administrator"]
OTHERS = ["caseworker", "manager", "clinician", "movement_officer", "partner"]


def enroll_url(session):
    return f"/api/v1/orientation/sessions/{session.pk}/enrollments/"


def plan_body(curriculum, start, **overrides):
    return {
        "curriculum": curriculum.pk,
        "start_date": start.isoformat(),
        "venue": "Mahama community hall",
        "language": "Kirundi",
        "facilitator": "facilitator",
        "capacity": 20,
        **overrides,
    }


@pytest.fixture
def upcoming(facilitator, usa_curriculum, today):
    return plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3), capacity=3)


@pytest.mark.parametrize("role", MANAGERS)
def test_facilitators_plan_a_session_through_the_api(
    request, role, facilitator, usa_curriculum, today
):
    start = today + datetime.timedelta(days=7)

    response = session_client(request.getfixturevalue(role)).post(
        LIST, plan_body(usa_curriculum, start), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    session = OrientationSession.objects.get(pk=body["id"])
    assert (session.start_date, session.capacity, session.facilitator) == (start, 20, facilitator)
    assert [d["number"] for d in body["days"]] == [1, 2, 3]
    assert body["enrolled_people"] == []


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_may_not_plan_a_session(request, role, facilitator, usa_curriculum, today):
    response = session_client(request.getfixturevalue(role)).post(
        LIST, plan_body(usa_curriculum, today), format="json"
    )

    assert response.status_code == 403
    assert not OrientationSession.objects.exists()


def test_a_partner_token_may_not_plan_a_session(partner, facilitator, usa_curriculum, today):
    response = bearer_client(partner, "cases:read cases:write").post(
        LIST, plan_body(usa_curriculum, today), format="json"
    )

    assert response.status_code == 403
    assert not OrientationSession.objects.exists()


def test_a_plan_with_gaps_in_its_days_is_refused_naming_the_field(
    facilitator, usa_curriculum, today
):
    body = plan_body(
        usa_curriculum,
        today,
        day_dates=[today.isoformat(), (today - datetime.timedelta(days=1)).isoformat()],
    )

    response = session_client(facilitator).post(LIST, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "day_dates"
    assert not OrientationSession.objects.exists()


def test_a_facilitator_who_is_not_one_is_refused(caseworker, facilitator, usa_curriculum, today):
    response = session_client(facilitator).post(
        LIST, plan_body(usa_curriculum, today, facilitator="caseworker"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "facilitator"


def test_unknown_keys_are_refused_not_ignored(facilitator, usa_curriculum, today):
    response = session_client(facilitator).post(
        LIST, plan_body(usa_curriculum, today, status="held"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"
    assert not OrientationSession.objects.exists()


@pytest.mark.parametrize("role", MANAGERS)
def test_facilitators_enroll_a_case_through_the_api(request, role, upcoming):
    case = household(ages=(40, 38, 9))

    response = session_client(request.getfixturevalue(role)).post(
        enroll_url(upcoming), {"case_number": case.case_number.lower()}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["enrolled"] == 2
    assert set(Enrollment.objects.values_list("individual__case", flat=True)) == {case.pk}
    assert case.events.filter(kind=EventKind.ORIENTATION).count() == 1


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_may_not_enroll(request, role, upcoming):
    case = household(ages=(40,))

    response = session_client(request.getfixturevalue(role)).post(
        enroll_url(upcoming), {"case_number": case.case_number}, format="json"
    )

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_overbooking_is_refused_through_the_api_and_nothing_is_enrolled(facilitator, upcoming):
    services.enrollment_add(actor=facilitator, session=upcoming, case=household(ages=(40, 38)))
    case = household(ages=(40, 38))

    response = session_client(facilitator).post(
        enroll_url(upcoming), {"case_number": case.case_number}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("over_capacity", "case_number")
    assert "takes 3 people" in error["message"]
    assert not Enrollment.objects.filter(individual__case=case).exists()
    assert Enrollment.objects.count() == 2


def test_overbooking_is_refused_on_the_page_with_the_same_words(client, facilitator, upcoming):
    services.enrollment_add(actor=facilitator, session=upcoming, case=household(ages=(40, 38)))
    case = household(ages=(40, 38))
    client.force_login(facilitator)

    page = client.post(
        reverse("orientation:session_enroll", args=[upcoming.pk]),
        {"case_number": case.case_number},
    )
    api = session_client(facilitator).post(
        enroll_url(upcoming), {"case_number": case.case_number}, format="json"
    )

    assert page.status_code == api.status_code == 400
    assert page.context["enroll_form"].errors["case_number"] == [api.json()["error"]["message"]]
    assert Enrollment.objects.count() == 2


def test_an_unknown_case_number_is_refused_naming_the_field(facilitator, upcoming):
    response = session_client(facilitator).post(
        enroll_url(upcoming), {"case_number": "RW-9999999"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "case_number"


def test_a_case_is_taken_out_through_the_api(facilitator, movement_officer, upcoming):
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=upcoming, case=case)
    url = f"{enroll_url(upcoming)}{case.pk}/"

    refused = session_client(movement_officer).delete(url)
    assert refused.status_code == 403
    assert Enrollment.objects.count() == 2

    response = session_client(facilitator).delete(url)

    assert response.status_code == 200
    assert response.json()["enrolled"] == 0
    assert not Enrollment.objects.exists()
    assert session_client(facilitator).delete(url).status_code == 400


def test_a_session_is_cancelled_through_the_api(facilitator, caseworker, upcoming):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=upcoming, case=case)
    url = f"/api/v1/orientation/sessions/{upcoming.pk}/cancel/"

    assert (
        session_client(caseworker).post(url, {"reason": "Rain"}, format="json").status_code == 403
    )
    upcoming.refresh_from_db()
    assert upcoming.status == SessionStatus.PLANNED
    missing = session_client(facilitator).post(url, {}, format="json")
    assert (missing.status_code, missing.json()["error"]["field"]) == (400, "reason")

    response = session_client(facilitator).post(url, {"reason": "Venue flooded"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert "Venue flooded" in case.events.latest("id").reason


def test_a_partner_reads_but_never_enrolls(partner, upcoming):
    case = household(ages=(40,))

    response = bearer_client(partner, "cases:read cases:write").post(
        enroll_url(upcoming), {"case_number": case.case_number}, format="json"
    )

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_the_session_detail_takes_the_same_queries_for_more_people(
    facilitator, upcoming, django_assert_num_queries
):
    client = session_client(facilitator)
    url = f"/api/v1/orientation/sessions/{upcoming.pk}/"
    services.enrollment_add(actor=facilitator, session=upcoming, case=household(ages=(40,)))
    client.get(url)
    with django_assert_num_queries(QUERIES_FOR_API_DETAIL):
        client.get(url)
    upcoming.capacity = 30
    upcoming.save(update_fields=["capacity"])
    for _ in range(3):
        services.enrollment_add(actor=facilitator, session=upcoming, case=household(ages=(40, 30)))
    with django_assert_num_queries(QUERIES_FOR_API_DETAIL):
        response = client.get(url)
    assert response.json()["enrolled"] == 7


# Login session and roles (3), session, days, enrollments with people, attendance.
QUERIES_FOR_API_DETAIL = 7


def test_the_orientation_writes_are_in_the_openapi_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert paths["/api/v1/orientation/sessions/"]["post"]["operationId"] == (
        "orientation_sessions_plan"
    )
    enroll = paths["/api/v1/orientation/sessions/{id}/enrollments/"]["post"]
    assert enroll["operationId"] == "orientation_enrollments_add"
    assert "400" in enroll["responses"]
    assert "delete" in paths["/api/v1/orientation/sessions/{id}/enrollments/{case_pk}/"]
    assert "post" in paths["/api/v1/orientation/sessions/{id}/cancel/"]
