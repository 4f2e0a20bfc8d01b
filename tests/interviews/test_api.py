"""The interviews API: who may read, schedule and record; filters; errors; query counts."""

import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, InterviewDecision, InterviewKind, InterviewOutcome
from cases.models import Country, Interview
from core.roles import STAFF_ROLES, Role
from tests.factories import CaseFactory, InterviewFactory

from .conftest import bearer_client, case_in, held_interview, session_client, snapshot

S = CaseStatus
D = InterviewDecision
OUT = InterviewOutcome
LIST = "/api/v1/interviews/"


def outcome_url(interview):
    return f"/api/v1/interviews/{interview.pk}/outcome/"


def today():
    return timezone.localdate().isoformat()


def approved():
    return {"outcome": "completed", "decision": "approved", "decided_on": today()}


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_reads_the_list_and_a_detail(all_roles, role):
    interview = held_interview()
    client = session_client(all_roles[role])
    listed = client.get(LIST)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [interview.pk]
    detail = client.get(f"{LIST}{interview.pk}/")
    assert detail.status_code == 200
    assert detail.json()["case_number"] == interview.case.case_number


def test_a_partner_reads_with_a_token_carrying_cases_read(partner):
    interview = held_interview()
    assert bearer_client(partner, "cases:read").get(LIST).json()["count"] == 1
    refused = bearer_client(partner, "interviews:write").get(f"{LIST}{interview.pk}/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_a_user_without_a_role_and_an_anonymous_caller_read_nothing(django_user_model):
    held_interview()
    nobody = django_user_model.objects.create_user("nobody", password="x" * 12)
    assert session_client(nobody).get(LIST).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code in (401, 403)


def test_a_partner_tied_to_a_country_sees_only_interviews_of_cases_going_there(canada_partner):
    canada = Country.objects.get(iso_code="CAN")
    theirs = held_interview(CaseFactory(destination_country=canada))
    other = held_interview()
    client = bearer_client(canada_partner, "cases:read")
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [theirs.pk]
    missing = client.get(f"{LIST}{other.pk}/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_list_filters_by_case_kind_outcome_and_kigali_dates(manager):
    kigali_midnight = timezone.make_aware(datetime.datetime(2026, 3, 2, 0, 0))
    on_day = InterviewFactory(
        scheduled_for=kigali_midnight + datetime.timedelta(minutes=30),
        kind=InterviewKind.ADJUDICATION,
    )
    # 23:30 in Kigali on the day before (21:30 UTC): not on 2 March.
    InterviewFactory(scheduled_for=kigali_midnight - datetime.timedelta(minutes=30))
    no_show = InterviewFactory(outcome=OUT.NO_SHOW)
    client = session_client(manager)

    def ids(**params):
        answer = client.get(LIST, params)
        assert answer.status_code == 200, answer.json()
        return {row["id"] for row in answer.json()["results"]}

    assert ids(date_from="2026-03-02", date_to="2026-03-02") == {on_day.pk}
    assert ids(kind="adjudication") == {on_day.pk}
    assert ids(outcome="no_show") == {no_show.pk}
    assert ids(case=no_show.case_id) == {no_show.pk}


def test_bad_filters_answer_400_naming_the_field(manager):
    client = session_client(manager)
    wrong_way = client.get(LIST, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert wrong_way.status_code == 400
    assert wrong_way.json()["error"]["field"] == "date_to"
    assert client.get(LIST, {"kind": "tea"}).json()["error"]["field"] == "kind"


def test_the_list_takes_the_same_number_of_queries_for_few_and_many_rows(
    caseworker, django_assert_num_queries
):
    client = session_client(caseworker)
    for _ in range(2):
        held_interview()
    client.get(LIST)  # warm the session and role caches of this client
    # session, user, roles, count, page, principal applicants
    with django_assert_num_queries(6):
        assert client.get(LIST).json()["count"] == 2
    for _ in range(10):
        held_interview(CaseFactory(members=2))
    with django_assert_num_queries(6):
        assert client.get(LIST).json()["count"] == 12


# --- Scheduling ---------------------------------------------------------------------------------


def schedule_body(case, **more):
    when = timezone.localtime() + datetime.timedelta(days=7)
    return {
        "case": case.pk,
        "kind": "pre_screening",
        "scheduled_for": when.isoformat(),
        "venue": "Kigali RSC office",
        **more,
    }


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMINISTRATOR])
def test_caseworkers_and_administrators_schedule_over_the_api(all_roles, role):
    case = CaseFactory()
    answer = session_client(all_roles[role]).post(LIST, schedule_body(case), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["outcome"] == "scheduled"
    assert Interview.objects.get(pk=body["id"]).case == case


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_staff_may_not_schedule(all_roles, role):
    case = CaseFactory()
    before = snapshot(case)
    answer = session_client(all_roles[role]).post(LIST, schedule_body(case), format="json")
    assert answer.status_code == 403
    assert snapshot(case) == before


def test_a_partner_may_not_schedule_even_with_the_write_scope(partner):
    case = CaseFactory()
    before = snapshot(case)
    answer = bearer_client(partner, "cases:read interviews:write").post(
        LIST, schedule_body(case), format="json"
    )
    assert answer.status_code == 403
    assert snapshot(case) == before


def test_scheduling_bad_input_answers_400_naming_the_field(caseworker):
    case = CaseFactory()
    client = session_client(caseworker)
    unknown = client.post(LIST, schedule_body(case, outcome="completed"), format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "outcome"
    no_case = client.post(LIST, {**schedule_body(case), "case": 10**9}, format="json")
    assert no_case.json()["error"]["field"] == "case"
    assert not Interview.objects.exists()


def test_scheduling_for_a_closed_case_answers_409_naming_the_case(caseworker):
    case = case_in(S.WITHDRAWN)
    answer = session_client(caseworker).post(LIST, schedule_body(case), format="json")
    assert answer.status_code == 409
    assert answer.json()["error"]["field"] == "case"
    assert not Interview.objects.exists()


def test_rescheduling_over_the_api_books_a_new_interview(caseworker):
    interview = held_interview(scheduled_for=timezone.now() + datetime.timedelta(hours=2))
    when = (timezone.localtime() + datetime.timedelta(days=3)).isoformat()
    answer = session_client(caseworker).post(
        f"{LIST}{interview.pk}/reschedule/", {"scheduled_for": when}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    interview.refresh_from_db()
    assert interview.outcome == OUT.RESCHEDULED
    assert Interview.objects.get(pk=answer.json()["id"]).outcome == OUT.SCHEDULED


# --- Outcomes and decisions ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMINISTRATOR])
def test_an_approval_moves_the_case_and_the_answer_says_so(all_roles, role):
    interview = held_interview()
    answer = session_client(all_roles[role]).post(outcome_url(interview), approved(), format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["decision"] == "approved"
    assert answer.json()["case_status"] == S.APPROVED
    interview.case.refresh_from_db()
    assert interview.case.status == S.APPROVED


def test_the_support_centre_sends_a_decision_with_the_write_scope(partner):
    interview = held_interview(case_in(S.PRE_SCREENING))
    body = {"outcome": "completed", "decision": "more_information", "decided_on": today()}
    answer = bearer_client(partner, "interviews:write").post(
        outcome_url(interview), body, format="json"
    )
    assert answer.status_code == 200, answer.json()
    interview.refresh_from_db()
    assert (interview.decision, interview.recorded_by) == (D.MORE_INFORMATION, partner)


def test_the_support_centres_approval_moves_the_case(partner):
    interview = held_interview(case_in(S.PRE_SCREENING))
    answer = bearer_client(partner, "interviews:write").post(
        outcome_url(interview), approved(), format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["case_status"] == S.APPROVED


def test_a_partner_without_the_write_scope_or_without_a_token_may_not_record(partner):
    interview = held_interview()
    before = snapshot(interview.case)
    read_only = bearer_client(partner, "cases:read").post(
        outcome_url(interview), approved(), format="json"
    )
    assert read_only.status_code == 403
    assert "interviews:write" in read_only.json()["error"]["message"]
    assert (
        session_client(partner).post(outcome_url(interview), approved(), format="json").status_code
        == 403
    )
    assert snapshot(interview.case) == before


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_staff_may_not_record_outcomes(all_roles, role):
    interview = held_interview()
    before = snapshot(interview.case)
    answer = session_client(all_roles[role]).post(outcome_url(interview), approved(), format="json")
    assert answer.status_code == 403
    assert snapshot(interview.case) == before


def test_a_refused_move_answers_409_with_the_workflows_reason_and_saves_nothing(caseworker):
    interview = held_interview(case_in(S.ON_HOLD))
    before = snapshot(interview.case)
    answer = session_client(caseworker).post(outcome_url(interview), approved(), format="json")
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "transition_refused"
    assert error["transition"] == "approve"
    assert "on hold" in error["reasons"][0]
    assert snapshot(interview.case) == before


def test_a_second_final_decision_answers_409(caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING))
    client = session_client(caseworker)
    assert client.post(outcome_url(interview), approved(), format="json").status_code == 200
    before = snapshot(interview.case)
    again = client.post(
        outcome_url(interview),
        {"outcome": "completed", "decision": "denied", "decided_on": today()},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_recorded"
    assert snapshot(interview.case) == before


def _in_days(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "completed", "decision": "approved"}, "decided_on"),
        ({"outcome": "completed", "decision": "approved", "decided_on": _in_days(1)}, "decided_on"),
        ({"outcome": "no_show", "decision": "denied", "decided_on": _in_days(0)}, "decision"),
        ({"outcome": "completed", "status": "approved"}, "status"),
        ({"outcome": "completed", "approved_by": "RSC"}, "approved_by"),
        ({"outcome": "rescheduled"}, "outcome"),
        ({"decision": "approved", "decided_on": _in_days(0)}, "outcome"),
        (
            {"outcome": "completed", "decision": "approved", "decided_on": "02/03/2026"},
            "decided_on",
        ),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_changes_nothing(caseworker, body, field):
    interview = held_interview(case_in(S.PRE_SCREENING))
    before = snapshot(interview.case)
    answer = session_client(caseworker).post(outcome_url(interview), body, format="json")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["error"]["field"] == field
    assert field in answer.json()["error"]["fields"]
    assert snapshot(interview.case) == before


def test_an_interview_of_a_case_the_partner_cannot_see_answers_404_and_changes_nothing(
    canada_partner,
):
    interview = held_interview(case_in(S.PRE_SCREENING))  # going to the United States
    before = snapshot(interview.case)
    answer = bearer_client(canada_partner, "interviews:write").post(
        outcome_url(interview),
        {"outcome": "completed", "decision": "more_information", "decided_on": today()},
        format="json",
    )
    assert answer.status_code == 404
    assert snapshot(interview.case) == before


def test_an_unknown_interview_answers_404(caseworker):
    client = session_client(caseworker)
    assert (
        client.post("/api/v1/interviews/999999/outcome/", approved(), format="json").status_code
        == 404
    )
    assert client.get(f"{LIST}{2**63}/").status_code == 404


# --- Description --------------------------------------------------------------------------------


def test_the_schema_documents_the_outcome_endpoint_and_its_errors(manager):
    answer = session_client(manager).get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    outcome = paths["/api/v1/interviews/{id}/outcome/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(outcome["responses"])
    assert {"oauth2": ["interviews:write"]} in outcome["security"]
    listing = paths["/api/v1/interviews/"]["get"]
    assert {"case", "kind", "outcome", "date_from", "date_to"} <= {
        p["name"] for p in listing["parameters"]
    }
