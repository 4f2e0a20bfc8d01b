import datetime

import pytest

from cases.choices import CaseStatus, EventKind
from cases.errors import ApplicationError, DuplicateRecord, NotPermitted
from cases.models import CaseEvent, Country
from orientation import services
from orientation.choices import SessionStatus
from orientation.models import Attendance, Curriculum, Enrollment, OrientationSession
from orientation.reference_data import load_orientation_reference_data
from tests.orientation.conftest import household, plan


def orientation_events(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.ORIENTATION)


def test_reference_data_gives_each_destination_one_curriculum_and_is_idempotent(db):
    before = Curriculum.objects.count()

    result = load_orientation_reference_data()

    destinations = Country.objects.filter(is_destination=True).count()
    assert result == {"curricula": destinations, "added": 0}
    assert Curriculum.objects.count() == before == destinations
    assert Curriculum.objects.get(destination_country__iso_code="USA").minimum_age == 15


def test_session_plan_gives_the_curriculum_its_consecutive_days(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today)

    days = list(session.days.values_list("number", "date"))
    assert days == [(n + 1, today + datetime.timedelta(days=n)) for n in range(3)]
    assert session.status == SessionStatus.PLANNED


def test_session_plan_refuses_days_out_of_order(facilitator, usa_curriculum, today):
    with pytest.raises(ApplicationError) as refused:
        services.session_plan(
            actor=facilitator,
            curriculum=usa_curriculum,
            start_date=today,
            day_dates=[today, today - datetime.timedelta(days=1)],
            venue="Hall",
            language="French",
            facilitator=facilitator,
            capacity=10,
        )

    assert refused.value.field == "day_dates"
    assert not OrientationSession.objects.exists()


def test_session_plan_refuses_a_facilitator_without_the_role(
    facilitator, caseworker, usa_curriculum, today
):
    with pytest.raises(ApplicationError) as refused:
        plan(facilitator, usa_curriculum, today, facilitator=caseworker)

    assert refused.value.field == "facilitator"
    assert not OrientationSession.objects.exists()


def test_enrollment_adds_every_member_at_or_over_the_minimum_age(
    facilitator, usa_curriculum, today
):
    case = household(ages=(40, 38, 16, 9))
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))

    enrolled = services.enrollment_add(actor=facilitator, session=session, case=case)

    assert len(enrolled) == 3
    assert session.enrollments.count() == 3
    assert not session.enrollments.filter(
        individual__date_of_birth__gt=today.replace(year=today.year - 10)
    ).exists()
    event = orientation_events(case).get()
    assert event.actor == facilitator
    assert event.data["action"] == "enrolled"
    assert len(event.data["individuals"]) == 3


def test_enrollment_is_audited_with_the_actor(facilitator, usa_curriculum, today):
    case = household(ages=(40,))
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))

    enrollment = services.enrollment_add(actor=facilitator, session=session, case=case)[0]

    history = enrollment.history.get()
    assert history.pgh_label == "insert"
    assert history.pgh_context.metadata["user"] == facilitator.pk


def test_enrollment_refused_over_capacity_names_session_and_capacity(
    facilitator, usa_curriculum, today
):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3), capacity=4)
    services.enrollment_add(actor=facilitator, session=session, case=household(ages=(40, 38)))
    big = household(ages=(40, 38, 20))

    with pytest.raises(ApplicationError) as refused:
        services.enrollment_add(actor=facilitator, session=session, case=big)

    assert refused.value.code == "over_capacity"
    assert str(session) in refused.value.message
    assert "takes 4 people" in refused.value.message
    assert session.enrollments.count() == 2
    assert not orientation_events(big).exists()


def test_enrollment_refused_for_a_case_going_elsewhere(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    canadian = household(country="CAN", status=CaseStatus.MEDICALLY_CLEARED)

    with pytest.raises(ApplicationError) as refused:
        services.enrollment_add(actor=facilitator, session=session, case=canadian)

    assert refused.value.code == "wrong_destination"
    assert "Canada" in refused.value.message
    assert not Enrollment.objects.exists()
    canadian.refresh_from_db()
    assert canadian.status == CaseStatus.MEDICALLY_CLEARED
    assert not canadian.events.exists()


def test_enrollment_refused_for_a_case_not_yet_approved(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(status=CaseStatus.PRE_SCREENING)

    with pytest.raises(ApplicationError) as refused:
        services.enrollment_add(actor=facilitator, session=session, case=case)

    assert refused.value.code == "case_not_enrollable"
    assert not Enrollment.objects.exists()


def test_enrolling_the_same_case_twice_is_refused(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    with pytest.raises(DuplicateRecord) as refused:
        services.enrollment_add(actor=facilitator, session=session, case=case)

    assert refused.value.code == "duplicate"
    assert refused.value.existing["id"] == session.pk
    assert session.enrollments.count() == 1


def test_enrolling_a_medically_cleared_case_starts_its_orientation(
    facilitator, usa_curriculum, today
):
    case = household(ages=(40,), status=CaseStatus.MEDICALLY_CLEARED)
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))

    services.enrollment_add(actor=facilitator, session=session, case=case)

    case.refresh_from_db()
    assert case.status == CaseStatus.ORIENTATION
    step = case.events.get(kind=EventKind.STATUS_CHANGED)
    assert (step.from_status, step.to_status, step.transition, step.actor) == (
        CaseStatus.MEDICALLY_CLEARED,
        CaseStatus.ORIENTATION,
        "start_orientation",
        facilitator,
    )


def test_enrolling_a_case_in_health_assessment_leaves_its_status(
    facilitator, usa_curriculum, today
):
    case = household(ages=(40,), status=CaseStatus.HEALTH_ASSESSMENT)
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))

    services.enrollment_add(actor=facilitator, session=session, case=case)

    case.refresh_from_db()
    assert case.status == CaseStatus.HEALTH_ASSESSMENT
    assert not case.events.filter(kind=EventKind.STATUS_CHANGED).exists()


def test_attendance_record_marks_everyone_and_tells_each_case(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today - datetime.timedelta(days=1), days=2)
    first, second = household(ages=(40, 38)), household(ages=(30,))
    for case in (first, second):
        services.enrollment_add(actor=facilitator, session=session, case=case)
    spouse = first.members.get(relationship="CHILD")

    services.attendance_record(
        actor=facilitator,
        session=session,
        day_number=1,
        present=[first.principal.pk, second.principal.pk],
    )

    marks = dict(
        Attendance.objects.filter(day__number=1).values_list("enrollment__individual", "present")
    )
    assert marks == {first.principal.pk: True, spouse.pk: False, second.principal.pk: True}
    event = orientation_events(first).get(data__action="attendance")
    assert event.data["present"] == [first.principal.pk]
    assert event.data["absent"] == [spouse.pk]
    assert spouse.full_name in event.reason
    assert orientation_events(second).filter(data__action="attendance").count() == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED

    services.attendance_record(actor=facilitator, session=session, day_number=2, present=[])
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD


def test_recording_a_day_again_corrects_it_and_tells_only_changed_cases(
    facilitator, usa_curriculum, today
):
    session = plan(facilitator, usa_curriculum, today, days=1)
    first, second = household(ages=(40,)), household(ages=(30,))
    for case in (first, second):
        services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(
        actor=facilitator, session=session, day_number=1, present=[first.principal.pk]
    )

    services.attendance_record(
        actor=facilitator,
        session=session,
        day_number=1,
        present=[first.principal.pk, second.principal.pk],
    )

    assert Attendance.objects.filter(present=True).count() == 2
    assert Attendance.objects.count() == 2
    assert orientation_events(first).filter(data__action="attendance").count() == 1
    assert orientation_events(second).filter(data__action="attendance").count() == 2


def test_attendance_refused_for_a_day_still_to_come(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today, days=2)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(
            actor=facilitator, session=session, day_number=2, present=[case.principal.pk]
        )

    assert refused.value.field == "day"
    assert refused.value.code == "future_day"
    assert not Attendance.objects.exists()
    assert not orientation_events(case).filter(data__action="attendance").exists()


def test_attendance_refused_for_someone_not_enrolled(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today, days=1)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    stranger = household(ages=(30,)).principal

    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(
            actor=facilitator, session=session, day_number=1, present=[stranger.pk]
        )

    assert refused.value.field == "present"
    assert not Attendance.objects.exists()


def test_cancelling_a_session_tells_the_enrolled_cases(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    services.session_cancel(actor=facilitator, session=session, reason="Venue flooded")

    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert "Venue flooded" in orientation_events(case).get(data__action="session_cancelled").reason


def test_a_session_with_attendance_cannot_be_cancelled(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today, days=2)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(actor=facilitator, session=session, day_number=1, present=[])

    with pytest.raises(ApplicationError):
        services.session_cancel(actor=facilitator, session=session, reason="Too late")

    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


@pytest.mark.parametrize(
    "role", ["caseworker", "manager", "clinician", "movement_officer", "partner"]
)
def test_other_roles_may_not_change_orientation_records(
    request, role, facilitator, usa_curriculum, today
):
    actor = request.getfixturevalue(role)
    session = plan(facilitator, usa_curriculum, today, days=1)
    case = household(ages=(40,))

    with pytest.raises(NotPermitted):
        plan(actor, usa_curriculum, today, facilitator=facilitator)
    with pytest.raises(NotPermitted):
        services.enrollment_add(actor=actor, session=session, case=case)
    services.enrollment_add(actor=facilitator, session=session, case=case)
    with pytest.raises(NotPermitted):
        services.attendance_record(
            actor=actor, session=session, day_number=1, present=[case.principal.pk]
        )
    with pytest.raises(NotPermitted):
        services.session_cancel(actor=actor, session=session, reason="No")

    assert OrientationSession.objects.count() == 1
    assert session.enrollments.count() == 1
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


def test_administrators_may_change_orientation_records(
    administrator, facilitator, usa_curriculum, today
):
    session = plan(administrator, usa_curriculum, today, days=1, facilitator=facilitator)
    case = household(ages=(40,))

    services.enrollment_add(actor=administrator, session=session, case=case)
    services.attendance_record(
        actor=administrator, session=session, day_number=1, present=[case.principal.pk]
    )

    assert Attendance.objects.get().present is True


def test_a_wrong_enrollment_can_be_taken_back_before_attendance(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=3))
    case = household(ages=(40, 38))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    removed = services.enrollment_remove(actor=facilitator, session=session, case=case)

    assert removed == 2
    assert not session.enrollments.exists()
    assert orientation_events(case).filter(data__action="enrollment_removed").count() == 1


def test_an_enrollment_with_attendance_stays(facilitator, usa_curriculum, today):
    session = plan(facilitator, usa_curriculum, today, days=2)
    case = household(ages=(40,))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(actor=facilitator, session=session, day_number=1, present=[])

    with pytest.raises(ApplicationError) as refused:
        services.enrollment_remove(actor=facilitator, session=session, case=case)

    assert refused.value.code == "attendance_recorded"
    assert session.enrollments.count() == 1
