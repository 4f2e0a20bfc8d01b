import datetime

from django.utils.formats import date_format

from cases.choices import CaseStatus
from cases.workflow import TRANSITIONS_BY_NAME, refusals
from orientation import services
from orientation.choices import SessionStatus
from orientation.guards import orientation_completed
from tests.factories import IndividualFactory
from tests.orientation.conftest import attend_all, household, plan


def past_session(facilitator, curriculum, today, *, days=3, **kwargs):
    return plan(
        facilitator, curriculum, today - datetime.timedelta(days=days + 1), days=days, **kwargs
    )


def test_guard_refuses_a_case_not_enrolled_in_any_session(db):
    case = household()

    assert "Not enrolled in any session" in orientation_completed(case, {})


def test_guard_passes_when_every_member_of_age_attended_every_day(
    facilitator, usa_curriculum, today
):
    case = household(ages=(40, 38, 16, 9))
    session = past_session(facilitator, usa_curriculum, today)
    services.enrollment_add(actor=facilitator, session=session, case=case)

    session = attend_all(facilitator, session)

    assert session.status == SessionStatus.HELD
    assert orientation_completed(case, {}) is None


def test_guard_names_who_missed_which_day(facilitator, usa_curriculum, today):
    case = household(ages=(40, 38))
    session = past_session(facilitator, usa_curriculum, today, days=3)
    services.enrollment_add(actor=facilitator, session=session, case=case)
    spouse = case.members.get(relationship="CHILD")
    day_two = session.days.get(number=2)

    attend_all(facilitator, session, absent=[(spouse.pk, 2)])

    reason = orientation_completed(case, {})
    assert spouse.full_name in reason
    assert f"day 2 ({date_format(day_two.date)})" in reason
    assert case.principal.full_name not in reason


def test_guard_refuses_while_a_day_of_a_multi_day_session_is_unrecorded(
    facilitator, usa_curriculum, today
):
    case = household(ages=(40,))
    session = past_session(facilitator, usa_curriculum, today, days=2)
    services.enrollment_add(actor=facilitator, session=session, case=case)
    services.attendance_record(
        actor=facilitator, session=session, day_number=1, present=[case.principal.pk]
    )

    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    assert "day 2" in orientation_completed(case, {})


def test_guard_counts_a_member_who_is_fifteen_on_the_first_day(facilitator, usa_curriculum, today):
    start = today - datetime.timedelta(days=4)
    # The child turns 15 exactly on the first day: must attend.
    case = household(ages=(40, 15), on=start)
    session = plan(facilitator, usa_curriculum, start, days=3)
    enrolled = services.enrollment_add(actor=facilitator, session=session, case=case)
    child = case.members.get(relationship="CHILD")
    assert child.pk in {e.individual_id for e in enrolled}

    attend_all(facilitator, session, absent=[(child.pk, 1)])

    assert child.full_name in orientation_completed(case, {})


def test_guard_does_not_require_a_member_a_day_short_of_fifteen(facilitator, usa_curriculum, today):
    start = today - datetime.timedelta(days=4)
    case = household(ages=(40, 15), on=start)
    child = case.members.get(relationship="CHILD")
    child.date_of_birth += datetime.timedelta(days=1)
    child.save(update_fields=["date_of_birth"])
    session = plan(facilitator, usa_curriculum, start, days=3)

    enrolled = services.enrollment_add(actor=facilitator, session=session, case=case)
    attend_all(facilitator, session)

    assert [e.individual_id for e in enrolled] == [case.principal.pk]
    assert orientation_completed(case, {}) is None


def test_guard_names_a_member_of_age_who_is_not_enrolled(facilitator, usa_curriculum, today):
    case = household(ages=(40,))
    session = past_session(facilitator, usa_curriculum, today)
    services.enrollment_add(actor=facilitator, session=session, case=case)
    attend_all(facilitator, session)
    newcomer = IndividualFactory(case=case, date_of_birth=datetime.date(1990, 1, 1))

    reason = orientation_completed(case, {})
    assert f"{newcomer.full_name} is not enrolled" in reason


def test_guard_accepts_days_made_up_in_a_later_session(facilitator, usa_curriculum, today):
    case = household(ages=(40,))
    first = plan(facilitator, usa_curriculum, today - datetime.timedelta(days=20), days=2)
    services.enrollment_add(actor=facilitator, session=first, case=case)
    attend_all(facilitator, first, absent=[(case.principal.pk, 2)])
    assert orientation_completed(case, {}) is not None

    second = plan(facilitator, usa_curriculum, today - datetime.timedelta(days=5), days=2)
    services.enrollment_add(actor=facilitator, session=second, case=case)
    attend_all(facilitator, second)

    assert orientation_completed(case, {}) is None


def test_guard_passes_a_case_with_nobody_old_enough(db):
    case = household(ages=(14, 9))

    assert orientation_completed(case, {}) is None


def test_guard_ignores_a_cancelled_session(facilitator, usa_curriculum, today):
    case = household(ages=(40,))
    session = plan(facilitator, usa_curriculum, today + datetime.timedelta(days=5))
    services.enrollment_add(actor=facilitator, session=session, case=case)

    services.session_cancel(actor=facilitator, session=session, reason="Venue flooded")

    assert "Not enrolled in any session" in orientation_completed(case, {})


def test_ready_to_travel_is_refused_naming_orientation_until_it_is_complete(
    facilitator, caseworker, usa_curriculum, today
):
    case = household(ages=(40,), status=CaseStatus.ORIENTATION)
    step = TRANSITIONS_BY_NAME["mark_ready_to_travel"]
    session = past_session(facilitator, usa_curriculum, today)
    services.enrollment_add(
        actor=facilitator,
        session=session,
        case=household(ages=(30,), status=CaseStatus.APPROVED),
    )
    # Only the other case attended.
    attend_all(facilitator, session)
    before = refusals(step, case, caseworker)
    assert any("Not enrolled in any session" in r for r in before)

    later = past_session(facilitator, usa_curriculum, today, days=1)
    services.enrollment_add(actor=facilitator, session=later, case=case)
    attend_all(facilitator, later)

    after = refusals(step, case, caseworker)
    assert not any("orientation" in r.lower() for r in after)
