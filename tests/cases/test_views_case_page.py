"""The case page: household, status, timeline, panels of other apps, and the workflow steps."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import panels as case_panels
from cases import workflow
from cases.choices import CaseStatus, EventKind, InterviewOutcome
from cases.models import CaseEvent
from cases.panels import CasePanel
from cases.workflow import case_transition
from tests.factories import (
    CaseFactory,
    IndividualFactory,
    InterviewFactory,
    TravelDocumentFactory,
)


def _page(client, case):
    return client.get(reverse("cases:detail", args=[case.pk]))


def _step(client, case, transition, **data):
    payload = {"transition": transition, "expected_status": case.status, **data}
    return client.post(reverse("cases:step", args=[case.pk]), payload)


def test_the_page_shows_the_household_and_their_documents(client, manager):
    case = CaseFactory(principal__given_name="Amani", principal__family_name="Habimana")
    child = IndividualFactory(case=case, given_name="Neema", family_name="Habimana")
    TravelDocumentFactory(individual=child, number="TD0042")
    client.force_login(manager)

    response = _page(client, case)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Amani Habimana" in page
    assert "Neema Habimana" in page
    assert "TD0042" in page
    assert "Refugee travel document" in page
    assert "Household: 2 persons" in page


def test_the_page_shows_the_status_and_since_when(client, manager):
    since = timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 30))
    case = CaseFactory(
        status=CaseStatus.ON_HOLD, resume_status=CaseStatus.PRE_SCREENING, status_changed_at=since
    )
    client.force_login(manager)

    page = _page(client, case).content.decode()

    assert "On hold" in page
    assert "4 Mar 2026, 09:30" in page
    assert "Returns to “Pre-screening” when resumed" in page


def test_the_timeline_is_newest_first_with_actor_change_and_reason(client, caseworker):
    case = CaseFactory()
    case_transition(case=case, transition="start_pre_screening", actor=caseworker)
    case_transition(case=case, transition="hold", actor=caseworker, reason="Family asked to wait")
    client.force_login(caseworker)

    response = _page(client, case)

    timeline = list(response.context["timeline"])
    assert [e.to_status for e in timeline[:2]] == [CaseStatus.ON_HOLD, CaseStatus.PRE_SCREENING]
    page = response.content.decode()
    assert "Pre-screening → On hold" in page
    assert "Referred → Pre-screening" in page
    assert "Family asked to wait" in page
    assert page.index("Pre-screening → On hold") < page.index("Referred → Pre-screening")


def test_allowed_steps_are_buttons_and_blocked_ones_say_why(client, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    client.force_login(caseworker)

    response = _page(client, case)

    steps = {s["name"]: s for s in response.context["steps"]}
    assert steps["approve"]["allowed"] is False
    assert "No interview of this case has been completed yet" in steps["approve"]["reasons"][0]
    assert steps["hold"]["allowed"] and steps["hold"]["asks_reason"]
    page = response.content.decode()
    assert "No interview of this case has been completed yet" in page
    assert 'name="expected_status" value="pre_screening"' in page
    assert 'id="reason-hold"' in page


def test_a_caseworker_moves_a_case_from_referred_to_pre_screening(client, caseworker):
    case = CaseFactory()
    client.force_login(caseworker)

    response = _step(client, case, "start_pre_screening")

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING
    event = case.events.get(kind=EventKind.STATUS_CHANGED)
    assert (event.actor, event.from_status, event.to_status) == (
        caseworker,
        CaseStatus.REFERRED,
        CaseStatus.PRE_SCREENING,
    )
    page = client.get(response["Location"]).content.decode()
    assert "the case is now “Pre-screening”" in page


def test_hold_and_resume_need_a_reason_and_return_to_where_the_case_was(client, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    client.force_login(caseworker)

    _step(client, case, "hold", reason="Awaiting birth certificate")
    case.refresh_from_db()
    assert (case.status, case.resume_status) == (CaseStatus.ON_HOLD, CaseStatus.PRE_SCREENING)

    _step(client, case, "resume", reason="Certificate received")
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING
    assert list(case.events.values_list("reason", flat=True)[:2]) == [
        "Certificate received",
        "Awaiting birth certificate",
    ]


def test_a_step_without_its_reason_is_refused_and_changes_nothing(client, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    client.force_login(caseworker)

    response = _step(client, case, "hold", reason="  ")

    assert response.status_code == 409
    assert "Give a reason for this step." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING
    assert not case.events.exists()


def test_a_blocked_step_is_refused_with_its_reason(client, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    client.force_login(caseworker)

    response = _step(client, case, "approve")

    assert response.status_code == 409
    assert "No interview of this case has been completed yet" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_step_from_a_page_that_is_out_of_date_is_refused(client, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    InterviewFactory(case=case, outcome=InterviewOutcome.COMPLETED)
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:step", args=[case.pk]),
        {"transition": "approve", "expected_status": CaseStatus.REFERRED},
    )

    assert response.status_code == 409
    assert "moved to “Pre-screening” meanwhile" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_SCREENING


@pytest.mark.parametrize("role_fixture", ["manager", "clinician", "facilitator"])
def test_a_role_that_may_not_take_the_step_is_refused_and_nothing_changes(
    client, db, request, role_fixture
):
    user = request.getfixturevalue(role_fixture)
    case = CaseFactory()
    client.force_login(user)

    page = _page(client, case)
    response = _step(client, case, "start_pre_screening")

    assert "start_pre_screening" not in {s["name"] for s in page.context["steps"]}
    assert response.status_code == 403
    assert "may not take the step" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert not case.events.exists()


def test_a_step_that_needs_a_departure_date_asks_for_it(client, movement_officer, monkeypatch):
    # The medical and orientation apps' guards are not this test's subject.
    for guard in ("travellers_medically_cleared", "orientation_completed"):
        monkeypatch.setitem(workflow._guards, guard, lambda case, context: None)
    monkeypatch.setitem(workflow._guards, "approved_by_destination", lambda case, context: None)
    case = CaseFactory(status=CaseStatus.READY_TO_TRAVEL)
    TravelDocumentFactory(individual=case.members.get())
    client.force_login(movement_officer)

    refused = _step(client, case, "book")
    case.refresh_from_db()
    assert refused.status_code == 409
    assert case.status == CaseStatus.READY_TO_TRAVEL

    # A date alone is no booking any more: the flight is booked on the movements' booking form
    # (tests/movements), which the case page links to.
    day = timezone.localdate() + datetime.timedelta(days=20)
    response = _step(client, case, "book", departure_date=day.isoformat())
    case.refresh_from_db()
    assert response.status_code == 409
    assert case.status == CaseStatus.READY_TO_TRAVEL
    assert "recorded with its booking" in response.content.decode()
    assert reverse("movements:book", args=[case.pk]) in response.content.decode()


def test_panels_registered_by_other_apps_are_rendered_for_those_who_may_see_them(
    client, caseworker, manager, monkeypatch, settings
):
    settings.TEMPLATES = [
        {
            **django_settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **django_settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "test/panel.html": "<section>Panel of {{ case.unhcr_case_number }}: "
                            "{{ fact }}</section>"
                        },
                    ),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
    monkeypatch.setattr(case_panels, "_panels", {})
    case_panels.register_panel(
        CasePanel(
            name="test",
            template="test/panel.html",
            order=1,
            context=lambda case, user: {"fact": "all travellers cleared"},
            visible_to=lambda user: user.username == "caseworker",
        )
    )
    case = CaseFactory(unhcr_case_number="RWA-24-PANEL1")

    client.force_login(caseworker)
    shown = _page(client, case).content.decode()
    client.force_login(manager)
    hidden = _page(client, case).content.decode()

    assert "Panel of RWA-24-PANEL1: all travellers cleared" in shown
    assert "Panel of" not in hidden


def test_a_missing_case_is_404(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("cases:detail", args=[999999])).status_code == 404


def test_a_partner_system_account_gets_403_on_the_case_page_and_steps(client, partner):
    case = CaseFactory()
    client.force_login(partner)

    assert _page(client, case).status_code == 403
    assert _step(client, case, "start_pre_screening").status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED


def _events(case, n):
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.NOTE, reason=f"Note {i:03d}") for i in range(n)
    )


def test_the_timeline_shows_the_newest_events_and_links_to_older_ones(client, caseworker):
    case = CaseFactory()
    _events(case, 30)
    client.force_login(caseworker)

    first = _page(client, case)
    second = client.get(reverse("cases:detail", args=[case.pk]), {"timeline_page": 2})

    assert first.status_code == second.status_code == 200
    shown = [e.reason for e in first.context["timeline"]]
    assert len(shown) == 25
    assert shown[0] == "Note 029"  # newest first (same time: the latest written)
    assert f'href="{case.get_absolute_url()}?timeline_page=2#timeline" rel="next"' in (
        first.content.decode()
    )
    older = [e.reason for e in second.context["timeline"]]
    assert older == ["Note 004", "Note 003", "Note 002", "Note 001", "Note 000"]
    assert 'rel="prev"' in second.content.decode()
    # A page that is not there shows the last one rather than an error.
    assert client.get(case.get_absolute_url(), {"timeline_page": "x"}).status_code == 200


def test_the_case_page_takes_the_same_number_of_queries_whatever_the_timeline(client, caseworker):
    short, long = CaseFactory(members=2), CaseFactory(members=2)
    _events(short, 3)
    _events(long, 60)
    client.force_login(caseworker)
    client.get(short.get_absolute_url())  # warm: the session's first read

    def queries(case):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(case.get_absolute_url()).status_code == 200
        return len(captured)

    assert queries(short) == queries(long)
