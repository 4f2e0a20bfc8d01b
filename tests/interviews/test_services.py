"""Interview services: scheduling, rescheduling, outcomes, decisions and the case moves."""

import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, EventKind, InterviewDecision, InterviewKind, InterviewOutcome
from cases.interviews.services import (
    InterviewConflict,
    interview_record_outcome,
    interview_reschedule,
    interview_schedule,
)
from cases.models import CaseEvent, Interview
from core.errors import ApplicationError, NotPermitted, TransitionRefused
from core.roles import Role
from tests.factories import CaseFactory

from .conftest import case_in, held_interview, snapshot

S = CaseStatus
D = InterviewDecision
O = InterviewOutcome  # noqa: E741

TODAY = timezone.localdate


def in_days(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


# --- Scheduling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMINISTRATOR])
def test_caseworkers_and_administrators_schedule_an_interview_on_the_timeline(all_roles, role):
    actor = all_roles[role]
    case = CaseFactory()
    when = in_days(7)
    interview = interview_schedule(
        actor=actor,
        case=case,
        kind=InterviewKind.ADJUDICATION,
        scheduled_for=when,
        venue=" Mahama field office ",
        interviewer="USCIS officer",
    )
    interview.refresh_from_db()
    assert interview.outcome == O.SCHEDULED
    assert interview.scheduled_for == when
    assert interview.venue == "Mahama field office"
    event = CaseEvent.objects.get(case=case, kind=EventKind.INTERVIEW)
    assert event.actor == actor
    assert event.data["action"] == "scheduled"
    assert event.data["interview"] == interview.pk


@pytest.mark.parametrize(
    "role",
    [
        Role.CLINICIAN,
        Role.ORIENTATION_FACILITATOR,
        Role.MOVEMENT_OFFICER,
        Role.MANAGER,
        Role.PARTNER_SYSTEM,
    ],
)
def test_other_roles_may_not_schedule_and_nothing_is_written(all_roles, role):
    case = CaseFactory()
    before = snapshot(case)
    with pytest.raises(NotPermitted):
        interview_schedule(
            actor=all_roles[role],
            case=case,
            kind=InterviewKind.PRE_SCREENING,
            scheduled_for=in_days(3),
        )
    assert snapshot(case) == before


@pytest.mark.parametrize("status", [S.ON_HOLD, S.DENIED, S.WITHDRAWN, S.DEPARTED, S.CLOSED])
def test_scheduling_is_refused_for_a_case_that_is_not_open(caseworker, status):
    case = case_in(status)
    before = snapshot(case)
    with pytest.raises(InterviewConflict) as refused:
        interview_schedule(
            actor=caseworker, case=case, kind=InterviewKind.PRE_SCREENING, scheduled_for=in_days(3)
        )
    assert refused.value.field == "case"
    assert refused.value.status_code == 409
    assert snapshot(case) == before


def test_scheduling_refuses_a_time_without_its_zone_and_an_unknown_kind(caseworker):
    case = CaseFactory()
    with pytest.raises(ApplicationError) as naive:
        interview_schedule(
            actor=caseworker,
            case=case,
            kind=InterviewKind.PRE_SCREENING,
            scheduled_for=datetime.datetime(2030, 1, 1, 9, 0),
        )
    assert naive.value.field == "scheduled_for"
    with pytest.raises(ApplicationError) as kind:
        interview_schedule(actor=caseworker, case=case, kind="tea", scheduled_for=in_days(2))
    assert kind.value.field == "kind"
    assert not Interview.objects.filter(case=case).exists()


# --- Rescheduling -------------------------------------------------------------------------------


def test_rescheduling_marks_the_old_interview_and_books_a_new_one_both_on_the_timeline(
    caseworker,
):
    old = held_interview(
        scheduled_for=in_days(1), kind=InterviewKind.SELECTION_MISSION, interviewer="Officer A"
    )
    new = interview_reschedule(
        actor=caseworker, interview=old, scheduled_for=in_days(10), reason="Officer ill"
    )
    old.refresh_from_db()
    assert old.outcome == O.RESCHEDULED
    assert new.outcome == O.SCHEDULED
    assert new.kind == InterviewKind.SELECTION_MISSION
    assert (new.venue, new.interviewer) == (old.venue, "Officer A")
    events = CaseEvent.objects.filter(case=old.case, kind=EventKind.INTERVIEW).order_by("id")
    assert [(e.data["action"], e.data["interview"]) for e in events] == [
        ("rescheduled", old.pk),
        ("scheduled", new.pk),
    ]
    assert all(e.actor == caseworker and e.reason == "Officer ill" for e in events)


def test_rescheduling_refuses_a_past_time_and_a_settled_interview(caseworker):
    interview = held_interview(scheduled_for=in_days(1))
    before = snapshot(interview.case)
    with pytest.raises(ApplicationError) as past:
        interview_reschedule(actor=caseworker, interview=interview, scheduled_for=in_days(-1))
    assert past.value.field == "scheduled_for"
    done = held_interview(outcome=O.COMPLETED)
    with pytest.raises(InterviewConflict):
        interview_reschedule(actor=caseworker, interview=done, scheduled_for=in_days(5))
    assert snapshot(interview.case) == before
    assert Interview.objects.count() == 2


def test_a_manager_may_not_reschedule(manager):
    interview = held_interview(scheduled_for=in_days(1))
    before = snapshot(interview.case)
    with pytest.raises(NotPermitted):
        interview_reschedule(actor=manager, interview=interview, scheduled_for=in_days(4))
    assert snapshot(interview.case) == before


# --- Outcomes -----------------------------------------------------------------------------------


def test_a_completed_interview_without_decision_leaves_the_case_where_it_is(caseworker):
    interview = held_interview()
    interview_record_outcome(
        actor=caseworker, interview=interview, outcome=O.COMPLETED, notes="Went well"
    )
    interview.refresh_from_db()
    assert (interview.outcome, interview.decision, interview.notes) == (
        O.COMPLETED,
        "",
        "Went well",
    )
    assert interview.recorded_by == caseworker
    assert interview.case.status == S.REFERRED
    event = CaseEvent.objects.get(case=interview.case)
    assert (event.kind, event.actor, event.data["outcome"]) == (
        EventKind.INTERVIEW,
        caseworker,
        O.COMPLETED,
    )


def test_a_no_show_is_recorded(caseworker):
    interview = held_interview()
    interview_record_outcome(actor=caseworker, interview=interview, outcome=O.NO_SHOW)
    interview.refresh_from_db()
    assert interview.outcome == O.NO_SHOW


def test_approval_of_a_referred_case_starts_pre_screening_then_approves(caseworker):
    interview = held_interview()
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.APPROVED,
        decided_on=TODAY(),
    )
    case = interview.case
    case.refresh_from_db()
    assert case.status == S.APPROVED
    moves = CaseEvent.objects.filter(case=case, kind=EventKind.STATUS_CHANGED).order_by("id")
    assert [(m.transition, m.from_status, m.to_status) for m in moves] == [
        ("start_pre_screening", S.REFERRED, S.PRE_SCREENING),
        ("approve", S.PRE_SCREENING, S.APPROVED),
    ]
    assert all(m.actor == caseworker and "Approved" in m.reason for m in moves)
    assert moves[1].data["interview"] == interview.pk


@pytest.mark.parametrize(
    "kind",
    [InterviewKind.PRE_SCREENING, InterviewKind.ADJUDICATION, InterviewKind.SELECTION_MISSION],
)
def test_approval_at_any_kind_of_interview_approves_a_case_in_pre_screening(caseworker, kind):
    interview = held_interview(case_in(S.PRE_SCREENING), kind=kind)
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.APPROVED,
        decided_on=TODAY(),
    )
    interview.case.refresh_from_db()
    assert interview.case.status == S.APPROVED


def test_approval_of_an_already_approved_case_records_the_decision_without_a_move(caseworker):
    interview = held_interview(case_in(S.HEALTH_ASSESSMENT))
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.APPROVED,
        decided_on=TODAY(),
    )
    interview.refresh_from_db()
    assert interview.decision == D.APPROVED
    assert interview.case.status == S.HEALTH_ASSESSMENT
    assert not CaseEvent.objects.filter(case=interview.case, kind=EventKind.STATUS_CHANGED).exists()


def test_denial_denies_the_case_with_the_decision_as_reason(caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING), kind=InterviewKind.ADJUDICATION)
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.DENIED,
        decided_on=TODAY(),
        notes="Inadmissible under the programme's rules.",
    )
    interview.case.refresh_from_db()
    assert interview.case.status == S.DENIED
    move = CaseEvent.objects.get(case=interview.case, kind=EventKind.STATUS_CHANGED)
    assert move.transition == "deny"
    assert "Denied" in move.reason
    assert "Inadmissible" in move.reason


def test_on_hold_puts_the_case_on_hold_and_remembers_where_it_was(caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING))
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.ON_HOLD,
        decided_on=TODAY(),
    )
    case = interview.case
    case.refresh_from_db()
    assert (case.status, case.resume_status) == (S.ON_HOLD, S.PRE_SCREENING)
    assert CaseEvent.objects.get(case=case, kind=EventKind.STATUS_CHANGED).reason


def test_more_information_is_recorded_and_a_decision_may_follow_later(caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING))
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.MORE_INFORMATION,
        decided_on=TODAY() - datetime.timedelta(days=1),
    )
    interview.case.refresh_from_db()
    assert interview.case.status == S.PRE_SCREENING
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.APPROVED,
        decided_on=TODAY(),
    )
    interview.refresh_from_db()
    interview.case.refresh_from_db()
    assert interview.decision == D.APPROVED
    assert interview.case.status == S.APPROVED


def test_a_final_decision_cannot_be_recorded_twice(caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING))
    interview_record_outcome(
        actor=caseworker,
        interview=interview,
        outcome=O.COMPLETED,
        decision=D.APPROVED,
        decided_on=TODAY(),
    )
    before = snapshot(interview.case)
    with pytest.raises(InterviewConflict) as refused:
        interview_record_outcome(
            actor=caseworker,
            interview=interview,
            outcome=O.COMPLETED,
            decision=D.DENIED,
            decided_on=TODAY(),
        )
    assert refused.value.code == "already_recorded"
    assert snapshot(interview.case) == before


def test_a_refused_workflow_step_saves_nothing_and_says_why(caseworker):
    interview = held_interview(case_in(S.ON_HOLD))
    before = snapshot(interview.case)
    with pytest.raises(TransitionRefused) as refused:
        interview_record_outcome(
            actor=caseworker,
            interview=interview,
            outcome=O.COMPLETED,
            decision=D.APPROVED,
            decided_on=TODAY(),
        )
    assert "on hold" in refused.value.reasons[0]
    assert snapshot(interview.case) == before


def test_a_denial_of_a_case_past_approval_is_refused_by_the_workflow(caseworker):
    interview = held_interview(case_in(S.ORIENTATION))
    before = snapshot(interview.case)
    with pytest.raises(TransitionRefused):
        interview_record_outcome(
            actor=caseworker,
            interview=interview,
            outcome=O.COMPLETED,
            decision=D.DENIED,
            decided_on=TODAY(),
        )
    assert snapshot(interview.case) == before


# --- Bad input: nothing saved, case unchanged ---------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"outcome": O.COMPLETED, "decision": D.APPROVED}, "decided_on"),
        (
            {"outcome": O.COMPLETED, "decision": D.APPROVED, "decided_on": "tomorrow"},
            "decided_on",
        ),
        ({"outcome": O.NO_SHOW, "decision": D.DENIED, "decided_on": "today"}, "decision"),
        ({"outcome": O.COMPLETED, "decided_on": "today"}, "decided_on"),
        ({"outcome": O.COMPLETED, "decision": D.APPROVED, "decided_on": "last_week"}, "decided_on"),
        ({"outcome": O.RESCHEDULED}, "outcome"),
        ({"outcome": O.SCHEDULED}, "outcome"),
        ({"outcome": O.COMPLETED, "decision": "maybe", "decided_on": "today"}, "decision"),
    ],
)
def test_bad_outcome_input_is_refused_naming_the_field_and_nothing_is_saved(
    caseworker, given, field
):
    days = {"today": 0, "tomorrow": 1, "last_week": -7}
    interview = held_interview(case_in(S.PRE_SCREENING))
    if "decided_on" in given:
        given = {
            **given,
            "decided_on": TODAY() + datetime.timedelta(days=days[given["decided_on"]]),
        }
    before = snapshot(interview.case)
    with pytest.raises(ApplicationError) as refused:
        interview_record_outcome(actor=caseworker, interview=interview, **given)
    assert refused.value.field == field
    assert snapshot(interview.case) == before


def test_the_outcome_of_an_interview_still_to_come_is_refused(caseworker):
    interview = held_interview(scheduled_for=in_days(2))
    before = snapshot(interview.case)
    with pytest.raises(ApplicationError) as refused:
        interview_record_outcome(actor=caseworker, interview=interview, outcome=O.NO_SHOW)
    assert refused.value.field == "outcome"
    assert snapshot(interview.case) == before


# --- Roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMINISTRATOR, Role.PARTNER_SYSTEM])
def test_recording_roles_may_record_an_outcome(all_roles, role):
    interview = held_interview()
    interview_record_outcome(actor=all_roles[role], interview=interview, outcome=O.NO_SHOW)
    interview.refresh_from_db()
    assert (interview.outcome, interview.recorded_by) == (O.NO_SHOW, all_roles[role])


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_roles_may_not_record_an_outcome(all_roles, role):
    interview = held_interview()
    before = snapshot(interview.case)
    with pytest.raises(NotPermitted):
        interview_record_outcome(actor=all_roles[role], interview=interview, outcome=O.NO_SHOW)
    assert snapshot(interview.case) == before


# --- Audit trail --------------------------------------------------------------------------------


def test_the_audit_trail_names_who_recorded_the_outcome(caseworker):
    interview = held_interview()
    interview_record_outcome(actor=caseworker, interview=interview, outcome=O.COMPLETED)
    last = interview.history.order_by("-pgh_id").first()
    assert last.outcome == O.COMPLETED
    assert last.pgh_context.metadata["user"] == caseworker.pk
