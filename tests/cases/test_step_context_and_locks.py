"""The workflow's context is typed (parsed once, unknown facts refused naming them), and every
service that moves a case locks the case row before its own rows (cases.workflow's lock order)."""

import datetime
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from cases.choices import CaseStatus, EventKind
from cases.models import Case, CaseEvent, Interview
from cases.workflow import StepContext, case_transition
from core.errors import ApplicationError
from core.roles import Role
from medical import services as medical_services
from medical.choices import Outcome
from medical.models import HealthAssessment
from tests.api_clients import session_client
from tests.conftest import load_all_reference_data
from tests.factories import CaseFactory, InterviewFactory, user_with_role
from tests.medical.conftest import physician_user
from tests.medical.factories import HealthAssessmentFactory

# --- the context ------------------------------------------------------------------------------


def test_the_context_is_parsed_once_into_dates_and_ids():
    context = StepContext.parse({"departure_date": "2027-02-03", "interview": "12"})
    assert context == StepContext(departure_date=datetime.date(2027, 2, 3), interview=12)
    assert StepContext.parse(context) is context
    assert context.as_data() == {"departure_date": "2027-02-03", "interview": 12}


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"flight": "KQ 471"}, "context.flight"),
        ({"departure_date": "next week"}, "context.departure_date"),
        ({"departure_date": 20270203}, "context.departure_date"),
        ({"interview": True}, "context.interview"),
        (["departure_date"], "context"),
    ],
)
def test_an_unknown_fact_or_a_wrong_value_is_refused_naming_it(given, field):
    with pytest.raises(ApplicationError) as refused:
        StepContext.parse(given)
    assert refused.value.field == field


@pytest.mark.django_db
@pytest.mark.parametrize("door", ["api", "service"])
def test_a_step_with_an_unknown_fact_is_refused_and_nothing_changes(door, caseworker):
    case = CaseFactory()
    events = CaseEvent.objects.count()
    if door == "api":
        response = session_client(caseworker).post(
            f"/api/v1/cases/{case.pk}/transitions/",
            {"transition": "start_pre_screening", "context": {"flight": "KQ 471"}},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "context.flight"
    else:
        with pytest.raises(ApplicationError) as refused:
            case_transition(
                case=case,
                transition="start_pre_screening",
                actor=caseworker,
                context={"flight": "KQ 471"},
            )
        assert (refused.value.status_code, refused.value.field) == (400, "context.flight")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_a_departure_date_given_as_text_reaches_the_guards_as_a_date(movement_officer):
    case = CaseFactory()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.READY_TO_TRAVEL)
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            case=case.pk,
            transition="book",
            actor=movement_officer,
            context={"departure_date": "2099-02-03"},
        )
    # The guards compared dates: the travel documents are judged on that day.
    assert any("2099-02-03" in reason for reason in refused.value.reasons)


@pytest.mark.django_db
def test_the_timeline_keeps_the_facts_as_json(caseworker):
    case = CaseFactory()
    InterviewFactory(case=case, outcome="completed")
    case_transition(case=case, transition="start_pre_screening", actor=caseworker)
    interview = Interview.objects.get(case=case)
    case_transition(
        case=case, transition="approve", actor=caseworker, context={"interview": interview.pk}
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.STATUS_CHANGED, transition="approve")
    assert event.data == {"interview": interview.pk}


# --- the lock order ---------------------------------------------------------------------------


def _case_locked_elsewhere_while(case_id, own_row_model, own_row_pk, service):
    """Hold the case row in one connection while `service` runs in another; then try to lock
    the service's own row without waiting. Following the lock order, the service is still
    waiting for the case and has not touched its own row yet."""
    case_held, service_started = threading.Event(), threading.Event()
    outcome = {}

    def holder():
        try:
            with transaction.atomic():
                Case.objects.select_for_update(no_key=True).get(pk=case_id)
                case_held.set()
                service_started.wait(5)
                time.sleep(0.5)  # the service is now blocked on something
                try:
                    own_row_model.objects.select_for_update(nowait=True).get(pk=own_row_pk)
                    outcome["own_row"] = "free"
                except OperationalError:
                    outcome["own_row"] = "locked by the service"
        finally:
            connection.close()

    def runner():
        try:
            case_held.wait(5)
            service_started.set()
            service()
            outcome["service"] = "done"
        except Exception as error:
            outcome["service"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=runner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_recording_an_outcome_locks_the_case_before_the_assessment():
    load_all_reference_data()
    clinician = physician_user("clinician")
    case = CaseFactory()
    assessment = HealthAssessmentFactory(individual=case.principal)

    outcome = _case_locked_elsewhere_while(
        case.pk,
        HealthAssessment,
        assessment.pk,
        lambda: medical_services.assessment_record_outcome(
            actor=clinician,
            assessment=assessment,
            outcome=Outcome.DEFERRED,
            outcome_on=timezone.localdate(),
        ),
    )

    assert outcome == {"own_row": "free", "service": "done"}


@pytest.mark.django_db(transaction=True)
def test_recording_an_interview_outcome_locks_the_case_before_the_interview():
    from cases.interviews.services import interview_record_outcome

    load_all_reference_data()
    caseworker = user_with_role(Role.CASEWORKER, username="caseworker")
    interview = InterviewFactory()

    outcome = _case_locked_elsewhere_while(
        interview.case_id,
        Interview,
        interview.pk,
        lambda: interview_record_outcome(actor=caseworker, interview=interview, outcome="no_show"),
    )

    assert outcome == {"own_row": "free", "service": "done"}
