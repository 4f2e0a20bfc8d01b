"""manage.py demo_orientation_records: demo cases at orientation or later get their sessions."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from orientation.choices import SessionStatus
from orientation.models import Attendance, Enrollment, OrientationSession, SessionDay
from orientation.selectors import case_orientation_progress

S = CaseStatus
PAST_ORIENTATION = {S.READY_TO_TRAVEL, S.BOOKED, S.DEPARTED, S.ARRIVED, S.CLOSED}


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, facilitator):
    run("demo_data", "--cases", "60", "--force")
    return run("demo_orientation_records", "--force")


def main_status(case):
    return case.resume_status if case.status in (S.ON_HOLD, S.WITHDRAWN) else case.status


def test_cases_past_orientation_have_completed_it(demo):
    done = [c for c in Case.objects.all() if main_status(c) in PAST_ORIENTATION]
    assert done
    for case in done:
        assert case_orientation_progress(case).refusal() is None, case.case_number


def test_cases_in_orientation_are_in_progress(demo):
    today = timezone.localdate()
    current = list(Case.objects.filter(status=S.ORIENTATION))
    assert current
    for case in current:
        progress = case_orientation_progress(case)
        assert progress.enrolled and not progress.completed
        assert progress.session.status == SessionStatus.PLANNED
        assert progress.session.start_date < today
        recorded = SessionDay.objects.filter(
            session=progress.session, attendances__isnull=False
        ).distinct()
        assert recorded.exists()
        assert all(day.date < today for day in recorded)
        assert progress.session.days.filter(attendances__isnull=True).exists()


def test_held_sessions_are_in_the_past_with_everyone_present(demo):
    today = timezone.localdate()
    held = OrientationSession.objects.filter(status=SessionStatus.HELD)
    assert held.exists()
    assert not SessionDay.objects.filter(session__in=held, date__gte=today).exists()
    assert not Attendance.objects.filter(present=False).exists()
    for session in held.annotate(people=Count("enrollments")):
        assert Attendance.objects.filter(enrollment__session=session).count() == (
            session.people * session.curriculum.number_of_days
        )


def test_sessions_respect_capacity_destination_and_minimum_age(demo, facilitator):
    for session in OrientationSession.objects.select_related("curriculum"):
        enrollments = list(session.enrollments.select_related("individual__case"))
        assert 0 < len(enrollments) <= session.capacity
        assert session.facilitator == facilitator
        assert session.days.count() == session.curriculum.number_of_days
        for enrollment in enrollments:
            person = enrollment.individual
            assert person.case.destination_country_id == session.curriculum.destination_country_id
            assert person.age_on(session.start_date) >= session.curriculum.minimum_age


def test_sessions_end_before_the_case_was_ready_to_travel(demo):
    for case in Case.objects.filter(status__in=PAST_ORIENTATION):
        ready = case.events.filter(transition="mark_ready_to_travel").order_by("at").first()
        session = case_orientation_progress(case).session
        if session is None:  # nobody old enough
            continue
        last_day = session.days.order_by("-number").first().date
        assert last_day < timezone.localdate(ready.at)


def test_earlier_statuses_are_not_enrolled(demo):
    early = Case.objects.filter(
        status__in=[S.REFERRED, S.APPROVED, S.HEALTH_ASSESSMENT, S.MEDICALLY_CLEARED]
    )
    assert early.exists()
    assert not Enrollment.objects.filter(individual__case__in=early).exists()


def test_a_second_run_adds_nothing(demo):
    counts = [m.objects.count() for m in (OrientationSession, SessionDay, Enrollment, Attendance)]
    assert all(counts)
    output = run("demo_orientation_records", "--force")
    assert [
        m.objects.count() for m in (OrientationSession, SessionDay, Enrollment, Attendance)
    ] == counts
    assert "0 cases" in output and "0 sessions" in output


def test_the_command_says_what_it_wrote(demo):
    assert f"{OrientationSession.objects.count()} sessions" in demo
    assert f"{Enrollment.objects.count()} enrollments" in demo
    assert f"{Attendance.objects.count()} attendance marks" in demo


def test_refuses_when_debug_is_off_without_force(db, settings, facilitator):
    settings.DEBUG = False
    run("demo_data", "--cases", "15", "--force")
    with pytest.raises(CommandError, match="DEBUG is off"):
        run("demo_orientation_records")
    assert not OrientationSession.objects.exists()


def test_refuses_without_a_facilitator_account(db):
    run("demo_data", "--cases", "15", "--force")
    with pytest.raises(CommandError, match="demo_users"):
        run("demo_orientation_records", "--force")
    assert not OrientationSession.objects.exists()
