"""The workflow table: every transition, every refusal, every role."""

import datetime

import pytest
from django.utils import timezone, translation

from cases import workflow
from cases.choices import OPEN_STATES, CaseStatus, InterviewOutcome
from cases.models import Case, CaseEvent
from cases.workflow import TRANSITIONS, TRANSITIONS_BY_NAME, case_transition, step_options
from core.errors import NotPermitted, TransitionRefused
from core.roles import Role
from tests.factories import CaseFactory, InterviewFactory, TravelDocumentFactory

S = CaseStatus
APP_GUARDS = (
    "travellers_medically_cleared",
    "orientation_completed",
    "fit_to_travel",
    # The movements app's (tests/movements tests them).
    "flight_date_allowed",
    "no_open_booking",
    "pre_embarkation_possible",
    "fit_check_in_window",
    "medical_escort_assigned",
    "recorded_in_movements",
)


@pytest.fixture
def passing_app_guards(monkeypatch):
    """Guards owned by the medical and orientation apps, made to pass: those apps test their own."""
    for name in APP_GUARDS:
        monkeypatch.setitem(workflow._guards, name, lambda case, context: None)


@pytest.fixture
def failing_app_guards(monkeypatch):
    for name in APP_GUARDS:
        monkeypatch.setitem(
            workflow._guards, name, lambda case, context, name=name: f"{name} does not hold"
        )


def case_in(status, **kwargs):
    """A case put directly into `status` (test set-up only; the app moves cases by the workflow)."""
    case = CaseFactory(**kwargs)
    resume = S.PRE_SCREENING if status in (S.ON_HOLD, S.WITHDRAWN) else ""
    Case.objects.filter(pk=case.pk).update(status=status, resume_status=resume)
    case.refresh_from_db()
    return case


def ready_for_travel_facts(case, actor):
    """What cases itself checks before booking: an approval and travel documents."""
    InterviewFactory(case=case, outcome=InterviewOutcome.COMPLETED)
    CaseEvent.objects.create(case=case, kind="status_changed", to_status=S.APPROVED, actor=actor)
    for member in case.members.all():
        TravelDocumentFactory(individual=member)


def actor_for(transition, all_roles):
    role = sorted(transition.roles)[0]
    return all_roles[role]


# --- The table itself --------------------------------------------------------------------------


def test_every_status_is_reachable_and_every_target_is_a_status():
    targets = {t.target for t in TRANSITIONS if t.target}
    assert targets <= set(S.values)
    reachable = targets | {S.REFERRED}
    assert reachable == set(S.values)


def test_every_guard_named_in_the_table_is_registered():
    assert workflow.check_guards_registered() == []


def test_the_system_check_names_a_missing_guard(monkeypatch):
    monkeypatch.delitem(workflow._guards, "orientation_completed")
    errors = workflow.check_guards_registered()
    assert [e.id for e in errors] == ["cases.E001"]
    assert "orientation_completed" in errors[0].msg


# --- Each transition, taken by a role allowed to take it ----------------------------------------

MAIN_PATH = [
    ("start_pre_screening", S.REFERRED, S.PRE_SCREENING),
    ("approve", S.PRE_SCREENING, S.APPROVED),
    ("deny", S.PRE_SCREENING, S.DENIED),
    ("reconsider", S.DENIED, S.PRE_SCREENING),
    ("start_health_assessment", S.APPROVED, S.HEALTH_ASSESSMENT),
    ("clear_medically", S.HEALTH_ASSESSMENT, S.MEDICALLY_CLEARED),
    ("defer_medically", S.HEALTH_ASSESSMENT, S.MEDICALLY_DEFERRED),
    ("resume_health_assessment", S.MEDICALLY_DEFERRED, S.HEALTH_ASSESSMENT),
    ("clear_medically", S.MEDICALLY_DEFERRED, S.MEDICALLY_CLEARED),
    ("start_orientation", S.MEDICALLY_CLEARED, S.ORIENTATION),
    ("mark_ready_to_travel", S.ORIENTATION, S.READY_TO_TRAVEL),
    ("mark_ready_to_travel", S.MEDICALLY_CLEARED, S.READY_TO_TRAVEL),
    ("book", S.READY_TO_TRAVEL, S.BOOKED),
    ("cancel_booking", S.BOOKED, S.READY_TO_TRAVEL),
    ("depart", S.BOOKED, S.DEPARTED),
    ("arrive", S.DEPARTED, S.ARRIVED),
    ("close", S.ARRIVED, S.CLOSED),
]


@pytest.mark.parametrize(("name", "source", "target"), MAIN_PATH)
def test_each_transition_moves_the_case_and_writes_its_timeline_event(
    name, source, target, all_roles, passing_app_guards
):
    step = TRANSITIONS_BY_NAME[name]
    actor = actor_for(step, all_roles)
    case = case_in(source, members=1)
    ready_for_travel_facts(case, actor)
    context = {"departure_date": timezone.localdate() + datetime.timedelta(days=20)}

    case_transition(case=case, transition=name, actor=actor, reason="because", context=context)

    case.refresh_from_db()
    assert case.status == target
    event = case.events.filter(kind="status_changed", transition=name).get()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        source,
        target,
        actor,
        "because",
    )


@pytest.mark.parametrize("source", sorted(OPEN_STATES))
def test_hold_from_any_open_state_and_resume_returns_there(source, caseworker):
    case = case_in(source)

    case_transition(case=case, transition="hold", actor=caseworker, reason="family tracing")
    case.refresh_from_db()
    assert (case.status, case.resume_status) == (S.ON_HOLD, source)

    case_transition(case=case, transition="resume", actor=caseworker, reason="traced")
    case.refresh_from_db()
    assert (case.status, case.resume_status) == (source, "")
    assert list(case.events.values_list("to_status", flat=True)) == [source, S.ON_HOLD]


def test_withdrawn_while_on_hold_reopens_to_the_state_before_the_hold(caseworker):
    case = case_in(S.APPROVED)
    case_transition(case=case, transition="hold", actor=caseworker, reason="pregnancy")
    case_transition(case=case, transition="withdraw", actor=caseworker, reason="family declined")
    case.refresh_from_db()
    assert (case.status, case.resume_status) == (S.WITHDRAWN, S.APPROVED)
    case_transition(case=case, transition="reopen", actor=caseworker, reason="changed their mind")
    case.refresh_from_db()
    assert case.status == S.APPROVED


# --- Refusals -----------------------------------------------------------------------------------


def assert_refused_unchanged(case, call, exc=TransitionRefused):
    before = (case.status, case.events.count())
    with pytest.raises(exc) as info:
        call()
    case.refresh_from_db()
    assert (case.status, case.events.count()) == before
    return info.value


def test_a_step_not_allowed_from_the_current_state_is_refused_and_says_so(caseworker):
    case = case_in(S.REFERRED)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition="close", actor=caseworker)
    )
    assert "not possible while the case is “Referred”" in error.reasons[0]


def test_an_unknown_step_is_refused(caseworker):
    case = case_in(S.REFERRED)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition="teleport", actor=caseworker)
    )
    assert "teleport" in error.message


@pytest.mark.parametrize("name", [t.name for t in TRANSITIONS if t.reason_required])
def test_steps_that_need_a_reason_refuse_without_one(name, administrator):
    step = TRANSITIONS_BY_NAME[name]
    source = sorted(step.sources)[0]
    case = case_in(source)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition=name, actor=administrator, reason=" ")
    )
    assert error.code == "reason_required"


def test_approval_is_refused_until_an_interview_is_completed(caseworker):
    case = case_in(S.PRE_SCREENING)
    InterviewFactory(case=case, outcome=InterviewOutcome.SCHEDULED)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition="approve", actor=caseworker)
    )
    assert "No interview of this case has been completed" in error.reasons[0]


def test_booking_needs_a_departure_date(movement_officer, passing_app_guards):
    case = case_in(S.READY_TO_TRAVEL)
    ready_for_travel_facts(case, movement_officer)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition="book", actor=movement_officer)
    )
    assert error.reasons == ["This step needs: the planned departure date."]


def test_a_missing_fact_is_named_in_the_users_language(movement_officer, passing_app_guards):
    case = case_in(S.READY_TO_TRAVEL)
    ready_for_travel_facts(case, movement_officer)
    with translation.override("fr"):
        reasons = workflow.refusals(TRANSITIONS_BY_NAME["book"], case, movement_officer)
    assert reasons == ["Cette étape nécessite\u00a0: la date de départ prévue."]


def test_booking_names_every_failing_condition(movement_officer, failing_app_guards):
    case = case_in(S.READY_TO_TRAVEL, members=1)
    context = {"departure_date": timezone.localdate() + datetime.timedelta(days=10)}
    error = assert_refused_unchanged(
        case,
        lambda: case_transition(
            case=case, transition="book", actor=movement_officer, context=context
        ),
    )
    assert error.status_code == 409
    joined = " ".join(error.reasons)
    assert "has not approved" in joined
    assert "travellers_medically_cleared does not hold" in joined
    assert "orientation_completed does not hold" in joined
    assert "No valid travel document" in joined


def test_booking_is_refused_when_a_travel_document_expires_before_departure(
    movement_officer, passing_app_guards
):
    case = case_in(S.READY_TO_TRAVEL)
    ready_for_travel_facts(case, movement_officer)
    person = case.members.get()
    person.documents.update(expires_on=timezone.localdate() + datetime.timedelta(days=5))
    later = timezone.localdate() + datetime.timedelta(days=30)
    error = assert_refused_unchanged(
        case,
        lambda: case_transition(
            case=case, transition="book", actor=movement_officer, context={"departure_date": later}
        ),
    )
    assert person.full_name in error.reasons[0]
    assert later.isoformat() in error.reasons[0]


def test_a_held_case_cannot_be_booked_and_the_refusal_says_it_is_on_hold(movement_officer):
    case = case_in(S.ON_HOLD)
    error = assert_refused_unchanged(
        case,
        lambda: case_transition(
            case=case,
            transition="book",
            actor=movement_officer,
            context={"departure_date": timezone.localdate()},
        ),
    )
    assert "on hold" in error.reasons[0]


def test_departure_is_stopped_by_the_fit_to_travel_guard(movement_officer, failing_app_guards):
    case = case_in(S.BOOKED)
    error = assert_refused_unchanged(
        case, lambda: case_transition(case=case, transition="depart", actor=movement_officer)
    )
    assert "fit_to_travel does not hold" in error.reasons


def test_a_stale_page_is_refused(caseworker):
    case = case_in(S.PRE_SCREENING)
    error = assert_refused_unchanged(
        case,
        lambda: case_transition(
            case=case,
            transition="hold",
            actor=caseworker,
            reason="x",
            expected_status=S.REFERRED,
        ),
    )
    assert error.code == "stale"


# --- Roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.name)
def test_each_role_outside_a_step_is_refused_with_nothing_changed(
    transition, all_roles, passing_app_guards
):
    source = sorted(transition.sources)[0]
    for role, user in all_roles.items():
        if role in transition.roles:
            continue
        case = case_in(source)
        assert_refused_unchanged(
            case,
            lambda case=case, user=user: case_transition(
                case=case,
                transition=transition.name,
                actor=user,
                reason="r",
                context={"departure_date": timezone.localdate()},
            ),
            exc=NotPermitted,
        )


def test_step_options_show_allowed_and_blocked_steps_for_the_users_role(caseworker, clinician):
    case = case_in(S.PRE_SCREENING)
    options = {o.name: o for o in step_options(case, caseworker)}
    assert set(options) == {"approve", "deny", "hold", "withdraw"}
    assert not options["approve"].allowed
    assert "interview" in options["approve"].reasons[0]
    assert options["hold"].allowed
    assert step_options(case, clinician) == []


def test_the_role_matrix_matches_the_domain():
    by_name = TRANSITIONS_BY_NAME
    assert Role.MOVEMENT_OFFICER in by_name["book"].roles
    assert Role.CASEWORKER not in by_name["book"].roles
    assert Role.CLINICIAN in by_name["clear_medically"].roles
    assert Role.ORIENTATION_FACILITATOR in by_name["start_orientation"].roles
    for step in TRANSITIONS:
        assert Role.PARTNER_SYSTEM not in step.roles
        assert Role.MANAGER not in step.roles
        assert Role.ADMINISTRATOR in step.roles


def test_the_diagram_is_drawn_from_the_table():
    diagram = workflow.mermaid_diagram()
    for step in TRANSITIONS:
        if step.target and step.name not in ("hold", "withdraw"):
            assert f": {step.name}" in diagram
