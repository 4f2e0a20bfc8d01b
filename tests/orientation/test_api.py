import datetime

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cases.models import Country, PartnerProfile
from orientation import services
from orientation.models import Attendance, Curriculum
from tests.api_clients import bearer_client as token_client
from tests.api_clients import session_client
from tests.orientation.conftest import household, plan

LIST = "/api/v1/orientation/sessions/"


def detail_url(session):
    return f"/api/v1/orientation/sessions/{session.pk}/"


def attendance_url(session):
    return f"/api/v1/orientation/sessions/{session.pk}/attendance/"


@pytest.fixture
def session(facilitator, usa_curriculum, today):
    return plan(facilitator, usa_curriculum, today - datetime.timedelta(days=1), days=2)


@pytest.fixture
def canada_session(facilitator, today):
    curriculum = Curriculum.objects.get(destination_country__iso_code="CAN")
    return plan(facilitator, curriculum, today + datetime.timedelta(days=5))


@pytest.mark.parametrize(
    "role",
    ["facilitator", "caseworker", "manager", "administrator", "clinician", "movement_officer"],
)
def test_staff_read_the_sessions(request, role, session):
    response = session_client(request.getfixturevalue(role)).get(LIST)

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [session.pk]


def test_a_session_in_the_list_says_what_people_need_to_know(facilitator, session, today):
    services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40, 38)))

    row = session_client(facilitator).get(LIST).json()["results"][0]

    assert row["curriculum"]["destination_country"] == "USA"
    assert row["start_date"] == (today - datetime.timedelta(days=1)).isoformat()
    assert row["end_date"] == today.isoformat()
    assert row["days"] == [
        {"number": 1, "date": (today - datetime.timedelta(days=1)).isoformat()},
        {"number": 2, "date": today.isoformat()},
    ]
    assert (row["enrolled"], row["capacity"], row["status"]) == (2, 30, "planned")


def test_a_partner_reads_only_sessions_of_its_own_country(partner, session, canada_session):
    PartnerProfile.objects.create(
        user=partner, organisation="Canadian mission", country=Country.objects.get(iso_code="CAN")
    )
    client = token_client(partner, "cases:read")

    listed = client.get(LIST)

    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["results"]] == [canada_session.pk]
    assert client.get(detail_url(session)).status_code == 404
    assert client.get(detail_url(canada_session)).status_code == 200


def test_a_token_without_cases_read_is_refused(partner, session):
    response = token_client(partner, "movements:read").get(LIST)

    assert response.status_code == 403
    assert "cases:read" in response.json()["error"]["message"]


def test_anonymous_callers_are_refused(session):
    assert APIClient().get(LIST).status_code in (401, 403)


def test_the_session_list_takes_the_same_queries_for_many_sessions(
    facilitator, usa_curriculum, today, django_assert_num_queries
):
    client = session_client(facilitator)
    plan(facilitator, usa_curriculum, today)
    client.get(LIST)
    with django_assert_num_queries(QUERIES_FOR_API_LIST):
        client.get(LIST)

    for n in range(1, 5):
        session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=7 * n))
        services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40,)))
    with django_assert_num_queries(QUERIES_FOR_API_LIST):
        response = client.get(LIST)
    assert response.json()["count"] == 5


# Login session and roles (3), count, page, days.
QUERIES_FOR_API_LIST = 6


def test_the_session_detail_lists_people_and_their_attendance(facilitator, caseworker, session):
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(
        actor=facilitator, session=session, day_number=1, present=[case.principal.pk]
    )

    body = session_client(caseworker).get(detail_url(session)).json()

    people = {p["individual"]: p for p in body["enrolled_people"]}
    assert body["enrolled"] == 2
    assert people[case.principal.pk]["case_number"] == case.case_number
    assert people[case.principal.pk]["attendance"] == [
        {"day": 1, "present": True},
        {"day": 2, "present": None},
    ]
    assert people[case.principal.pk]["attended_all_days"] is False


@pytest.mark.parametrize("role", ["facilitator", "administrator"])
def test_facilitators_record_attendance_through_the_api(request, role, facilitator, session):
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    response = session_client(request.getfixturevalue(role)).post(
        attendance_url(session), {"day": 1, "present": [case.principal.pk]}, format="json"
    )

    assert response.status_code == 200
    person = next(
        p for p in response.json()["enrolled_people"] if p["individual"] == case.principal.pk
    )
    assert person["attendance"][0] == {"day": 1, "present": True}
    assert Attendance.objects.filter(present=False).count() == 1


@pytest.mark.parametrize(
    "role", ["caseworker", "manager", "clinician", "movement_officer", "partner"]
)
def test_other_roles_may_not_record_attendance_through_the_api(request, role, facilitator, session):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    response = session_client(request.getfixturevalue(role)).post(
        attendance_url(session), {"day": 1, "present": [case.principal.pk]}, format="json"
    )

    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_a_partner_token_may_not_record_attendance(partner, facilitator, session):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    response = token_client(partner, "cases:read cases:write").post(
        attendance_url(session), {"day": 1, "present": [case.principal.pk]}, format="json"
    )

    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_recording_a_future_day_answers_400_naming_the_day(facilitator, session):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    future = session.days.create(number=3, date=timezone.localdate() + datetime.timedelta(days=1))

    response = session_client(facilitator).post(
        attendance_url(session), {"day": future.number, "present": []}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "day"
    assert response.json()["error"]["code"] == "future_day"
    assert not Attendance.objects.exists()


def test_bad_attendance_input_names_the_field(facilitator, session):
    response = session_client(facilitator).post(
        attendance_url(session), {"day": 1, "present": ["someone"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"].startswith("present")
    assert not Attendance.objects.exists()


def test_a_missing_session_answers_404(facilitator):
    response = session_client(facilitator).get("/api/v1/orientation/sessions/999999/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_orientation_endpoints_are_in_the_openapi_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    paths = schema["paths"]
    assert "get" in paths["/api/v1/orientation/sessions/"]
    assert "get" in paths["/api/v1/orientation/sessions/{id}/"]
    record = paths["/api/v1/orientation/sessions/{id}/attendance/"]["post"]
    assert record["operationId"] == "orientation_attendance_record"
    assert "400" in record["responses"]
