"""The manager's pages: landing dashboard, asking for a run, watching it, reading it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.charts import bar_chart
from reports.exports import report_charts
from reports.models import ReportRun
from tests.factories import CaseFactory
from tests.medical.factories import ClearedAssessmentFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db

PAGES = ["reports:dashboard", "reports:runs", "reports:history"]


def test_a_manager_lands_on_the_figures(client, manager):
    client.force_login(manager)
    response = client.get("/", follow=True)
    assert response.resolver_match.view_name == "reports:dashboard"
    assert 'href="/reports/"' in response.content.decode()  # the menu entry


def test_the_dashboard_shows_the_year_so_far_pipeline_and_clearances(
    client, manager, world, django_capture_on_commit_callbacks
):
    this_year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(user=manager, kind="yearly", year=this_year)
        services.run_request(user=manager, kind="yearly", year=YEAR)
    expiring = ClearedAssessmentFactory(
        individual=CaseFactory().members.get(),
        valid_until=timezone.localdate() + timezone.timedelta(days=10),
    )
    client.force_login(manager)
    page = client.get(reverse("reports:dashboard")).content.decode()

    assert "tables computed" in page
    # c3 departed on New Year's Day this year (1 person).
    assert (
        "Persons departed from 1 January to " in page
        and "</strong>" not in page.split("Persons departed from 1 January to ")[1].split("<")[0]
    )
    assert page.split("Persons departed from 1 January to ")[1].split("<")[0].endswith(": 1")
    assert "<svg" in page and "Departures per month" in page
    assert "Mahama" in page  # the pipeline per camp
    assert expiring.individual.case.case_number in page
    assert "Travel windows closing in the next 30 days" in page


def test_the_dashboard_lists_travel_windows_closing_soon(client, manager):
    from movements.models import CaseTravelWindow

    case = CaseFactory(status="ready_to_travel")
    today = timezone.localdate()
    CaseTravelWindow.objects.update_or_create(
        case=case,
        defaults={
            "case_status": "ready_to_travel",
            "travellers": 1,
            "uncleared": 0,
            "undocumented": 0,
            "valid_from": today,
            "closes": today + timezone.timedelta(days=5),
            "closing_person": "Amani",
            "closing_kind": "clearance",
        },
    )
    client.force_login(manager)
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert case.case_number in page
    assert "Amani" in page


def test_a_run_being_computed_shows_a_progress_bar_polled_by_htmx(client, manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress=40, progress_note="x")
    client.force_login(manager)

    page = client.get(run.get_absolute_url()).content.decode()
    assert '<progress max="100" value="40">' in page
    assert 'hx-trigger="every 2s"' in page
    partial = client.get(
        reverse("reports:run_progress", kwargs={"pk": run.pk}) + "?reload=1", HTTP_HX_REQUEST="true"
    )
    assert "HX-Refresh" not in partial
    ReportRun.objects.filter(pk=run.pk).update(status="done", progress=100)
    partial = client.get(
        reverse("reports:run_progress", kwargs={"pk": run.pk}) + "?reload=1", HTTP_HX_REQUEST="true"
    )
    assert partial["HX-Refresh"] == "true"


def test_asking_for_a_report_in_the_browser(
    client, manager, world, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:runs"), {"kind": "yearly", "year": YEAR})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()

    page = client.get(run.get_absolute_url()).content.decode()
    assert "Health assessments by programme country and group" in page
    assert "Counting rule" in page
    assert "Approve and publish version 1" in page
    assert page.count("<svg") == 2  # per month, by destination
    # The charts on the page are the ones in the PDF.
    for svg in report_charts(run.figures):
        assert svg in page


def test_a_multi_year_report_reads_as_one_row_per_destination(
    client, manager, world, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reports:runs"), {"kind": "multi_year", "year_from": 2008, "year_to": YEAR}
        )
    run = ReportRun.objects.get()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Departures by destination, year by year" in page
    assert "Departures per year (persons)" in page
    assert "Approve and publish" not in page  # only a year's figures are approved


def test_a_bad_year_in_the_form_is_shown_on_the_field(client, manager):
    client.force_login(manager)
    response = client.post(reverse("reports:runs"), {"kind": "yearly", "year": 1999})
    assert response.status_code == 400
    assert "The year must be between 2008" in response.content.decode()
    assert ReportRun.objects.count() == 0


def test_approving_in_the_browser_and_a_second_approval_refused(
    client, manager, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:run_approve", kwargs={"pk": run.pk}))
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Approved by manager on" in page
    assert "Approved edition" in page
    response = client.post(reverse("reports:run_approve", kwargs={"pk": run.pk}), follow=True)
    assert "already approved by manager" in response.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "clinician", "facilitator", "movement_officer"])
def test_other_roles_are_refused_the_pages(request, client, role, manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    client.force_login(request.getfixturevalue(role))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403
    assert client.get(run.get_absolute_url()).status_code == 403
    assert client.post(reverse("reports:runs"), {"kind": "yearly", "year": YEAR}).status_code == 403
    assert client.post(reverse("reports:run_approve", kwargs={"pk": run.pk})).status_code == 403
    run.refresh_from_db()
    assert run.approved_at is None and ReportRun.objects.count() == 1
    assert 'href="/reports/"' not in client.get("/cases/").content.decode()


def test_an_administrator_uses_the_pages(client, administrator):
    client.force_login(administrator)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200


def test_the_run_list_page_has_a_fixed_number_of_queries(
    client, manager, django_assert_num_queries
):
    for year in (2015, 2016, 2017, 2018):
        services.run_request(user=manager, kind="yearly", year=year)
    client.force_login(manager)
    client.get(reverse("reports:runs"))
    # session, user, roles, count, runs (with who asked and who approved)
    with django_assert_num_queries(5):
        assert client.get(reverse("reports:runs")).status_code == 200


def test_the_pages_work_in_every_language(
    client, manager, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    client.force_login(manager)
    # Kinyarwanda is left out: its catalog (locale/rw, the lead's) has no valid Plural-Forms.
    for code in ("fr", "sw"):
        client.cookies["django_language"] = code
        for url in (reverse("reports:dashboard"), run.get_absolute_url()):
            assert client.get(url).status_code == 200


def test_a_chart_is_plain_svg_without_inline_style():
    svg = bar_chart(title="T", labels=["a", "b"], series=[("x", [1, 2])])
    assert svg.startswith("<svg") and "<style" not in svg and 'aria-label="T"' in svg
    assert "style=" not in svg and 'fill="#1f5f8b"' in svg
