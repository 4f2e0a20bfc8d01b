import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cases.choices import CaseStatus
from cases.panels import panels_for
from core.roles import Role
from orientation import services
from orientation.models import Attendance, Enrollment, OrientationSession
from tests.factories import UserFactory
from tests.orientation.conftest import attend_all, household, plan

VIEWERS = ["facilitator", "caseworker", "manager", "administrator"]
OUTSIDERS = ["clinician", "movement_officer", "partner"]
MANAGERS = ["facilitator", "administrator"]
LOOKERS = ["caseworker", "manager"]


@pytest.fixture
def session(facilitator, usa_curriculum, today):
    return plan(facilitator, usa_curriculum, today - datetime.timedelta(days=1), days=2)


@pytest.mark.parametrize("role", VIEWERS)
def test_staff_who_work_with_orientation_see_the_session_list(
    client, request, role, session, usa_curriculum, today, facilitator
):
    plan(facilitator, usa_curriculum, today - datetime.timedelta(days=30), days=1)
    client.force_login(request.getfixturevalue(role))

    upcoming = client.get(reverse("orientation:session_list"))
    past = client.get(reverse("orientation:session_list"), {"when": "past"})

    assert upcoming.status_code == 200
    assert list(upcoming.context["page"].object_list) == [session]
    assert past.status_code == 200
    assert session not in list(past.context["page"].object_list)
    assert len(past.context["page"].object_list) == 1


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_may_not_open_the_orientation_pages(client, request, role, session):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("orientation:session_list")).status_code == 403
    assert client.get(session.get_absolute_url()).status_code == 403


def test_the_session_list_needs_a_login(client, session):
    response = client.get(reverse("orientation:session_list"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_session_list_takes_the_same_queries_for_one_or_many_sessions(
    client, facilitator, usa_curriculum, today, django_assert_num_queries
):
    client.force_login(facilitator)
    plan(facilitator, usa_curriculum, today)
    client.get(reverse("orientation:session_list"))  # warm the session and role caches
    with django_assert_num_queries(QUERIES_FOR_SESSION_LIST):
        client.get(reverse("orientation:session_list"))

    for n in range(1, 5):
        session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=7 * n))
        services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40,)))
    with django_assert_num_queries(QUERIES_FOR_SESSION_LIST):
        response = client.get(reverse("orientation:session_list"))
    assert len(response.context["page"].object_list) == 5
    assert b"1 / 30" in response.content


# Login session and roles (3), count, page, days.
QUERIES_FOR_SESSION_LIST = 6


def test_the_session_page_shows_people_and_an_attendance_sheet_per_day(
    client, facilitator, session
):
    case = household(ages=(40, 38, 9))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(facilitator)

    response = client.get(session.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert case.principal.full_name in html
    assert case.case_number in html
    for day in session.days.all():
        assert reverse("orientation:attendance_record", args=[session.pk, day.number]) in html
    assert f'id="present-1-{case.principal.pk}"' in html
    assert f'<label for="present-1-{case.principal.pk}">' in html
    # Nobody attended yet: the case may still be taken out.
    assert reverse("orientation:enrollment_remove", args=[session.pk, case.pk]) in html
    services.attendance_record(actor=facilitator, session=session, day_number=1, present=[])
    html = client.get(session.get_absolute_url()).content.decode()
    assert reverse("orientation:enrollment_remove", args=[session.pk, case.pk]) not in html


@pytest.mark.parametrize("role", LOOKERS)
def test_caseworkers_and_managers_see_the_session_without_forms(
    client, request, role, facilitator, session
):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(request.getfixturevalue(role))

    html = client.get(session.get_absolute_url()).content.decode()

    assert case.principal.full_name in html
    assert 'name="present"' not in html
    assert reverse("orientation:session_enroll", args=[session.pk]) not in html


def test_a_future_day_shows_when_it_can_be_recorded(client, facilitator, usa_curriculum, today):
    future = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=2), days=1)
    services.enrollment_add(actor=facilitator, session=future, case=household(ages=(40,)))
    client.force_login(facilitator)

    html = client.get(future.get_absolute_url()).content.decode()

    assert "Attendance can be recorded from" in html
    assert 'name="present"' not in html


@pytest.mark.parametrize("role", MANAGERS)
def test_facilitators_and_administrators_enroll_a_case_by_its_number(
    client, request, role, session
):
    case = household(ages=(40, 38))
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("orientation:session_enroll", args=[session.pk]),
        {"case_number": case.case_number.lower()},
    )

    assert response.status_code == 302
    assert session.enrollments.count() == 2


@pytest.mark.parametrize("role", LOOKERS + OUTSIDERS)
def test_other_roles_may_not_enroll(client, request, role, session):
    case = household(ages=(40,))
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("orientation:session_enroll", args=[session.pk]), {"case_number": case.case_number}
    )

    assert response.status_code == 403
    assert not Enrollment.objects.exists()
    assert not case.events.exists()


def test_an_unknown_case_number_is_shown_at_the_field(client, facilitator, session):
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:session_enroll", args=[session.pk]), {"case_number": "RW-9999999"}
    )

    assert response.status_code == 400
    assert response.context["enroll_form"].errors["case_number"] == [
        "No case has this internal case number."
    ]
    assert "No case has this internal case number." in response.content.decode()


def test_a_full_session_is_refused_at_the_field(client, facilitator, usa_curriculum, today):
    small = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3), capacity=1)
    case = household(ages=(40, 38))
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:session_enroll", args=[small.pk]), {"case_number": case.case_number}
    )

    assert response.status_code == 400
    assert "takes 1 people" in response.context["enroll_form"].errors["case_number"][0]
    assert not Enrollment.objects.exists()


def test_a_facilitator_records_a_day_with_checkboxes(client, facilitator, session):
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:attendance_record", args=[session.pk, 1]),
        {"present": [case.principal.pk]},
    )

    assert response.status_code == 302
    marks = dict(Attendance.objects.values_list("enrollment__individual", "present"))
    assert marks[case.principal.pk] is True
    assert list(marks.values()).count(False) == 1


@pytest.mark.parametrize("role", LOOKERS + OUTSIDERS)
def test_other_roles_may_not_record_attendance(client, request, role, facilitator, session):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("orientation:attendance_record", args=[session.pk, 1]),
        {"present": [case.principal.pk]},
    )

    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_recording_a_future_day_shows_why_on_that_days_sheet(
    client, facilitator, usa_curriculum, today
):
    running = plan(facilitator, usa_curriculum, today, days=2)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=running, case=case)
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:attendance_record", args=[running.pk, 2]),
        {"present": [case.principal.pk]},
    )

    assert response.status_code == 400
    sheets = {s["day"].number: s for s in response.context["sheets"]}
    assert "attendance can be recorded from that day on" in sheets[2]["error"]
    assert sheets[1]["error"] is None
    assert not Attendance.objects.exists()


def test_a_facilitator_plans_a_session(client, facilitator, usa_curriculum, today):
    client.force_login(facilitator)
    start = today + datetime.timedelta(days=10)

    response = client.post(
        reverse("orientation:session_plan"),
        {
            "curriculum": usa_curriculum.pk,
            "start_date": start.isoformat(),
            "number_of_days": "2",
            "venue": "Kiziba hall",
            "language": "Swahili",
            "facilitator": facilitator.pk,
            "capacity": "25",
        },
    )

    session = OrientationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert list(session.days.values_list("date", flat=True)) == [
        start,
        start + datetime.timedelta(days=1),
    ]


def test_the_plan_form_shows_errors_in_place(client, facilitator, usa_curriculum):
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:session_plan"),
        {"curriculum": usa_curriculum.pk, "venue": "Hall", "language": "French", "capacity": "0"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"start_date", "facilitator", "capacity"}
    assert not OrientationSession.objects.exists()


@pytest.mark.parametrize("role", LOOKERS + OUTSIDERS)
def test_other_roles_may_not_plan_sessions(client, request, role, facilitator, usa_curriculum):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("orientation:session_plan")).status_code == 403
    response = client.post(
        reverse("orientation:session_plan"),
        {
            "curriculum": usa_curriculum.pk,
            "start_date": "2030-01-01",
            "venue": "Hall",
            "language": "French",
            "facilitator": facilitator.pk,
            "capacity": "10",
        },
    )
    assert response.status_code == 403
    assert not OrientationSession.objects.exists()


def test_cancelling_a_session_from_its_page(client, facilitator, usa_curriculum, today):
    planned = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    client.force_login(facilitator)

    response = client.post(
        reverse("orientation:session_cancel", args=[planned.pk]), {"reason": "Venue flooded"}
    )

    planned.refresh_from_db()
    assert response.status_code == 302
    assert planned.status == "cancelled"


def test_a_caseworker_may_not_cancel_a_session(
    client, caseworker, facilitator, usa_curriculum, today
):
    planned = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    client.force_login(caseworker)

    response = client.post(
        reverse("orientation:session_cancel", args=[planned.pk]), {"reason": "No"}
    )

    planned.refresh_from_db()
    assert response.status_code == 403
    assert planned.status == "planned"


def _render_panel(case, user):
    (panel, context) = next((p, c) for p, c in panels_for(case, user) if p.name == "orientation")
    return render_to_string(panel.template, context)


def test_the_case_panel_says_what_is_missing_then_that_orientation_is_completed(
    caseworker, facilitator, session
):
    case = household(ages=(40, 38), status=CaseStatus.MEDICALLY_CLEARED)
    assert "Not enrolled in any session." in _render_panel(case, caseworker)
    services.enrollment_add(actor=facilitator, session=session, case=case)
    spouse = case.members.get(relationship="CHILD")

    attend_all(facilitator, session, absent=[(spouse.pk, 2)])
    html = _render_panel(case, caseworker)
    assert "Missing" in html
    assert spouse.full_name in html
    assert "day 2" in html

    services.attendance_record(
        actor=facilitator,
        session=session,
        day_number=2,
        present=[case.principal.pk, spouse.pk],
    )
    assert "Orientation completed." in _render_panel(case, caseworker)


def test_the_case_panel_is_for_staff_only(caseworker, clinician, partner):
    case = household()

    assert "orientation" in [p.name for p, _ in panels_for(case, clinician)]
    assert "orientation" not in [p.name for p, _ in panels_for(case, partner)]


@pytest.mark.parametrize(
    ("role", "shown"),
    [(r, True) for r in VIEWERS] + [(r, False) for r in OUTSIDERS],
)
def test_the_navigation_shows_orientation_to_the_roles_that_use_it(request, role, shown):
    from cases.context_processors import roles

    user = request.getfixturevalue(role)
    http = RequestFactory().get("/")
    http.user = user
    html = render_to_string("_nav.html", {"request": http, "user": user, **roles(http)})

    assert (reverse("orientation:session_list") in html) is shown


def test_the_case_page_shows_the_orientation_panel(client, caseworker):
    case = household(ages=(40,))
    client.force_login(caseworker)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    assert "Not enrolled in any session." in response.content.decode()


def test_the_session_page_takes_the_same_queries_for_more_people(
    client, facilitator, session, django_assert_num_queries
):
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(
        actor=facilitator, session=session, day_number=1, present=[case.principal.pk]
    )
    client.force_login(facilitator)
    client.get(session.get_absolute_url())
    with django_assert_num_queries(QUERIES_FOR_SESSION_PAGE):
        client.get(session.get_absolute_url())

    for _ in range(3):
        services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40, 20)))
    with django_assert_num_queries(QUERIES_FOR_SESSION_PAGE):
        response = client.get(session.get_absolute_url())
    assert len(response.context["rows"]) == 7


# Login session and roles (3), session, days, enrollments, attendance.
QUERIES_FOR_SESSION_PAGE = 7


def test_administrators_edit_curricula_in_the_admin(client, administrator, usa_curriculum):
    # The role's own permissions: staff status lets the administrator into the admin site.
    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    assert not administrator.is_superuser
    client.force_login(administrator)
    change = reverse("admin:orientation_curriculum_change", args=[usa_curriculum.pk])

    listing = client.get(reverse("admin:orientation_curriculum_changelist"))
    form = client.get(change)
    saved = client.post(
        change,
        {
            "destination_country": usa_curriculum.destination_country_id,
            "name": "Cultural orientation, United States (revised)",
            "minimum_age": 14,
            "number_of_days": usa_curriculum.number_of_days,
            "is_active": "on",
        },
    )

    assert listing.status_code == 200
    assert usa_curriculum.name in listing.content.decode()
    assert form.status_code == 200
    assert saved.status_code == 302
    usa_curriculum.refresh_from_db()
    assert usa_curriculum.name == "Cultural orientation, United States (revised)"
    assert usa_curriculum.minimum_age == 14


@pytest.mark.parametrize("role", [Role.ORIENTATION_FACILITATOR, Role.CASEWORKER, Role.MANAGER])
def test_other_staff_cannot_edit_curricula_in_the_admin(client, usa_curriculum, role):
    client.force_login(UserFactory(username=f"staff-{role}", is_staff=True, roles=[role]))
    before = usa_curriculum.name

    response = client.post(
        reverse("admin:orientation_curriculum_change", args=[usa_curriculum.pk]),
        {
            "destination_country": usa_curriculum.destination_country_id,
            "name": "Changed",
            "minimum_age": 1,
            "number_of_days": usa_curriculum.number_of_days,
            "is_active": "on",
        },
    )

    assert response.status_code == 403
    usa_curriculum.refresh_from_db()
    assert usa_curriculum.name == before


def test_a_facilitator_takes_a_case_out_of_a_session(client, facilitator, usa_curriculum, today):
    planned = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=planned, case=case)
    client.force_login(facilitator)
    url = reverse("orientation:enrollment_remove", args=[planned.pk, case.pk])
    assert url in client.get(planned.get_absolute_url()).content.decode()

    response = client.post(url)

    assert response.status_code == 302
    assert not planned.enrollments.exists()


@pytest.mark.parametrize("role", LOOKERS + OUTSIDERS)
def test_other_roles_may_not_take_a_case_out(
    client, request, role, facilitator, usa_curriculum, today
):
    planned = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=planned, case=case)
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("orientation:enrollment_remove", args=[planned.pk, case.pk]))

    assert response.status_code == 403
    assert planned.enrollments.count() == 1
