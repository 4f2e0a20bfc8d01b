"""A whole session-day's attendance on one screen: every enrolled person, a checkbox each, one
submit (the API records a day in one request: tests/orientation/test_api.py)."""

import datetime

import pytest
from django.urls import reverse

from orientation import services
from orientation.models import Attendance
from tests.orientation.conftest import household, plan


@pytest.fixture
def session(facilitator, usa_curriculum, today):
    return plan(facilitator, usa_curriculum, today - datetime.timedelta(days=1), days=2)


def day_url(session, number):
    return reverse("orientation:attendance_day", args=[session.pk, number])


def test_the_day_screen_lists_everyone_enrolled_with_a_checkbox(client, facilitator, session):
    first, second = household(ages=(40, 38)), household(ages=(50,))
    for case in (first, second):
        services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(facilitator)

    response = client.get(day_url(session, 1))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="checkbox" name="present"') == 3
    for person in [*first.members.all(), *second.members.all()]:
        assert f'value="{person.pk}"' in html
        assert person.full_name in html
    assert html.count('type="submit"') >= 1


def test_one_submit_records_the_whole_day(client, facilitator, session):
    case, other = household(ages=(40, 38)), household(ages=(50,))
    for c in (case, other):
        services.enrollment_add(actor=facilitator, session=session, case=c)
    client.force_login(facilitator)

    response = client.post(
        day_url(session, 2), {"present": [case.principal.pk, other.principal.pk]}
    )

    assert response.status_code == 302
    marks = dict(
        Attendance.objects.filter(day__number=2).values_list("enrollment__individual", "present")
    )
    assert len(marks) == 3
    assert marks[case.principal.pk] and marks[other.principal.pk]
    assert list(marks.values()).count(False) == 1
    again = client.get(day_url(session, 2)).content.decode()
    assert f'value="{case.principal.pk}" id="present-{case.principal.pk}" checked' in again


def test_a_future_day_cannot_be_recorded_and_says_when(client, facilitator, usa_curriculum, today):
    running = plan(facilitator, usa_curriculum, today, days=2)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=running, case=case)
    client.force_login(facilitator)

    shown = client.get(day_url(running, 2)).content.decode()
    response = client.post(day_url(running, 2), {"present": [case.principal.pk]})

    assert 'name="present"' not in shown
    assert response.status_code == 400
    assert "attendance can be recorded from that day on" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_stranger_ticked_is_refused_and_nothing_saved(client, facilitator, session):
    services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40,)))
    outsider = household(ages=(30,))
    client.force_login(facilitator)

    response = client.post(day_url(session, 1), {"present": [outsider.principal.pk]})

    assert response.status_code == 400
    assert "not enrolled" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "role", ["caseworker", "manager", "clinician", "movement_officer", "partner"]
)
def test_other_roles_may_not_open_or_submit_the_day_screen(
    client, request, role, facilitator, session
):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(request.getfixturevalue(role))

    assert client.get(day_url(session, 1)).status_code == 403
    assert client.post(day_url(session, 1), {"present": [case.principal.pk]}).status_code == 403
    assert not Attendance.objects.exists()


def test_a_day_the_session_does_not_have_is_404(client, facilitator, session):
    client.force_login(facilitator)

    assert client.get(day_url(session, 9)).status_code == 404


def test_the_day_screen_takes_the_same_queries_for_more_people(
    client, facilitator, session, django_assert_num_queries
):
    services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40,)))
    client.force_login(facilitator)
    client.get(day_url(session, 1))
    with django_assert_num_queries(QUERIES_FOR_DAY_SCREEN):
        client.get(day_url(session, 1))
    for _ in range(4):
        services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40, 30)))
    with django_assert_num_queries(QUERIES_FOR_DAY_SCREEN):
        response = client.get(day_url(session, 1))
    assert len(response.context["people"]) == 9


# Login session and roles (3), session, days, enrollments with people, attendance.
QUERIES_FOR_DAY_SCREEN = 7
