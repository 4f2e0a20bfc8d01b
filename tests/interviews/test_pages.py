"""Interview pages: the schedule list, the forms, and the section on the case page."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cases import panels as case_panels
from cases.choices import CaseStatus, EventKind, InterviewKind, InterviewOutcome
from cases.interviews import panels
from cases.models import CaseEvent, Interview
from cases.panels import panels_for
from core.roles import STAFF_ROLES, Role
from tests.factories import CaseFactory, InterviewFactory

from .conftest import case_in, held_interview, snapshot

S = CaseStatus
LIST = "/interviews/"


def later(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- The schedule list --------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_opens_the_interview_schedule(client, all_roles, role):
    InterviewFactory(scheduled_for=later(days=2), venue="Kiziba hall")
    client.force_login(all_roles[role])
    page = client.get(LIST)
    assert page.status_code == 200
    assert "Kiziba hall" in page.content.decode()
    assert 'href="/interviews/" aria-current="page"' in page.content.decode()


def test_a_partner_system_is_refused_the_pages(client, partner):
    interview = held_interview()
    client.force_login(partner)
    assert client.get(LIST).status_code == 403
    assert client.get(f"/interviews/{interview.pk}/outcome/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    answer = client.get(LIST)
    assert answer.status_code == 302
    assert "/accounts/login/" in answer["Location"]


def test_the_schedule_shows_upcoming_by_default_and_past_on_request(client, manager):
    InterviewFactory(scheduled_for=later(days=3), venue="Upcoming venue")
    InterviewFactory(scheduled_for=later(days=-3), venue="Past venue")
    InterviewFactory(
        scheduled_for=later(days=1), venue="Moved venue", outcome=InterviewOutcome.RESCHEDULED
    )
    client.force_login(manager)
    upcoming = client.get(LIST).content.decode()
    assert "Upcoming venue" in upcoming
    assert "Past venue" not in upcoming
    assert "Moved venue" not in upcoming
    past = client.get(LIST, {"when": "past"}).content.decode()
    assert "Past venue" in past
    assert "Upcoming venue" not in past


def test_the_schedule_filters_by_kind_outcome_and_date_range(client, manager):
    InterviewFactory(
        scheduled_for=later(days=-10), kind=InterviewKind.ADJUDICATION, venue="Adjudication room"
    )
    InterviewFactory(
        scheduled_for=later(days=-2), outcome=InterviewOutcome.NO_SHOW, venue="No-show room"
    )
    client.force_login(manager)

    def shown(**params):
        return client.get(LIST, {"when": "all", **params}).content.decode()

    assert "No-show room" not in shown(kind="adjudication")
    assert "Adjudication room" in shown(kind="adjudication")
    assert "Adjudication room" not in shown(outcome="no_show")
    five_days_ago = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    recent = shown(date_from=five_days_ago)
    assert "No-show room" in recent
    assert "Adjudication room" not in recent


def test_a_date_range_the_wrong_way_round_is_shown_beside_the_field(client, manager):
    client.force_login(manager)
    page = client.get(LIST, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert page.status_code == 200
    assert "The end date is before the start date." in page.content.decode()


def test_the_schedule_is_paginated_and_keeps_its_filters(client, manager):
    for _ in range(27):
        InterviewFactory(scheduled_for=later(days=5), kind=InterviewKind.SELECTION_MISSION)
    client.force_login(manager)
    first = client.get(LIST, {"kind": "selection_mission"})
    assert len(first.context["page_obj"].object_list) == 25
    body = first.content.decode()
    assert "Page 1 of 2" in body
    assert "kind=selection_mission" in body and "page=2" in body
    second = client.get(LIST, {"kind": "selection_mission", "page": 2})
    assert len(second.context["page_obj"].object_list) == 2


def test_the_schedule_takes_the_same_number_of_queries_for_few_and_many_rows(
    client, caseworker, django_assert_num_queries
):
    client.force_login(caseworker)
    InterviewFactory(scheduled_for=later(days=1))
    client.get(LIST)
    # session, user, roles, count, page, principal applicants
    with django_assert_num_queries(6):
        client.get(LIST)
    for _ in range(15):
        InterviewFactory(case=CaseFactory(members=2), scheduled_for=later(days=2))
    with django_assert_num_queries(6):
        page = client.get(LIST)
    assert len(page.context["page_obj"].object_list) == 16


# --- Scheduling ---------------------------------------------------------------------------------


def test_a_caseworker_schedules_from_the_form(client, caseworker):
    case = CaseFactory()
    client.force_login(caseworker)
    form = client.get(f"/interviews/case/{case.pk}/schedule/")
    assert form.status_code == 200
    assert 'for="id_scheduled_for"' in form.content.decode()
    when = later(days=4)
    answer = client.post(
        f"/interviews/case/{case.pk}/schedule/",
        {"kind": "pre_screening", "scheduled_for": local_input(when), "venue": "Mahama"},
    )
    assert answer.status_code == 302
    interview = Interview.objects.get(case=case)
    assert interview.venue == "Mahama"
    assert CaseEvent.objects.filter(case=case, kind=EventKind.INTERVIEW, actor=caseworker).exists()


def test_the_schedule_form_shows_errors_in_place_and_saves_nothing(client, caseworker):
    case = case_in(S.ON_HOLD)
    client.force_login(caseworker)
    missing = client.post(f"/interviews/case/{case.pk}/schedule/", {"kind": "pre_screening"})
    assert missing.status_code == 200
    assert missing.context["form"].errors["scheduled_for"]
    closed = client.post(
        f"/interviews/case/{case.pk}/schedule/",
        {"kind": "pre_screening", "scheduled_for": local_input(later(days=2))},
    )
    assert "open cases only" in closed.content.decode()
    assert not Interview.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_staff_may_not_schedule_from_the_browser(client, all_roles, role):
    case = CaseFactory()
    client.force_login(all_roles[role])
    assert client.get(f"/interviews/case/{case.pk}/schedule/").status_code == 403
    answer = client.post(
        f"/interviews/case/{case.pk}/schedule/",
        {"kind": "pre_screening", "scheduled_for": local_input(later(days=2))},
    )
    assert answer.status_code == 403
    assert not Interview.objects.exists()


def test_scheduling_for_an_unknown_case_is_404(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/interviews/case/999999/schedule/").status_code == 404


def test_a_caseworker_reschedules_from_the_form(client, caseworker):
    interview = held_interview(scheduled_for=later(hours=3))
    client.force_login(caseworker)
    answer = client.post(
        f"/interviews/{interview.pk}/reschedule/",
        {"scheduled_for": local_input(later(days=6)), "venue": "Kigali", "reason": "Rain"},
    )
    assert answer.status_code == 302
    interview.refresh_from_db()
    assert interview.outcome == InterviewOutcome.RESCHEDULED
    assert Interview.objects.get(outcome=InterviewOutcome.SCHEDULED).venue == "Kigali"


# --- Recording outcomes -------------------------------------------------------------------------


def test_a_caseworker_records_an_approval_and_the_case_moves_on(client, caseworker):
    interview = held_interview()
    client.force_login(caseworker)
    answer = client.post(
        f"/interviews/{interview.pk}/outcome/",
        {
            "outcome": "completed",
            "decision": "approved",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert answer.status_code == 302
    interview.case.refresh_from_db()
    assert interview.case.status == S.APPROVED


def test_the_outcome_form_shows_a_missing_decision_date_beside_the_field(client, caseworker):
    interview = held_interview(case_in(S.PRE_SCREENING))
    before = snapshot(interview.case)
    client.force_login(caseworker)
    page = client.post(
        f"/interviews/{interview.pk}/outcome/", {"outcome": "completed", "decision": "approved"}
    )
    assert page.status_code == 200
    assert page.context["form"].errors["decided_on"] == ["A decision needs the date it was made."]
    assert snapshot(interview.case) == before


def test_the_outcome_form_shows_the_workflows_refusal_and_saves_nothing(client, caseworker):
    interview = held_interview(case_in(S.ON_HOLD))
    before = snapshot(interview.case)
    client.force_login(caseworker)
    page = client.post(
        f"/interviews/{interview.pk}/outcome/",
        {
            "outcome": "completed",
            "decision": "approved",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert page.status_code == 200
    errors = page.context["form"].non_field_errors()
    assert any("on hold" in e for e in errors)
    assert snapshot(interview.case) == before


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_staff_may_not_record_outcomes_in_the_browser(client, all_roles, role):
    interview = held_interview()
    before = snapshot(interview.case)
    client.force_login(all_roles[role])
    answer = client.post(f"/interviews/{interview.pk}/outcome/", {"outcome": "no_show"})
    assert answer.status_code == 403
    assert snapshot(interview.case) == before


# --- The case page's section --------------------------------------------------------------------


@pytest.fixture
def interviews_panel(monkeypatch):
    """The panel registered as CasesConfig.ready does, on a copy of the registry (no leak)."""
    monkeypatch.setattr(case_panels, "_panels", dict(case_panels._panels))
    panels.register()


def test_the_case_page_section_lists_interviews_with_links_for_caseworkers(
    interviews_panel, caseworker, rf
):
    interview = held_interview(venue="Nyabiheke office")
    shown = {p.name: ctx for p, ctx in panels_for(interview.case, caseworker)}
    assert [i.pk for i in shown["interviews"]["interviews"]] == [interview.pk]
    html = render_to_string("interviews/_case_panel.html", shown["interviews"])
    assert "Nyabiheke office" in html
    assert f"/interviews/case/{interview.case_id}/schedule/" in html
    assert f"/interviews/{interview.pk}/outcome/" in html


def test_the_case_page_section_has_no_action_links_for_a_manager_and_is_hidden_from_partners(
    interviews_panel, manager, partner
):
    interview = held_interview()
    shown = {p.name: ctx for p, ctx in panels_for(interview.case, manager)}
    html = render_to_string("interviews/_case_panel.html", shown["interviews"])
    assert "/schedule/" not in html and "/outcome/" not in html
    assert "interviews" not in {p.name for p, _ in panels_for(interview.case, partner)}


def test_the_case_page_shows_the_section(interviews_panel, client, caseworker):
    interview = held_interview(venue="Gashora transit centre")
    client.force_login(caseworker)
    page = client.get(f"/cases/{interview.case_id}/")
    assert page.status_code == 200
    assert "Gashora transit centre" in page.content.decode()
