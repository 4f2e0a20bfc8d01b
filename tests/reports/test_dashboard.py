"""The dashboard tells the truth: this year so far against exactly the same days of last year
(a January day too), an empty chart said in words, clearances closing only for people still to
travel, and every month in the monthly table, zeros included, in every format."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from reports import services
from reports.charts import bar_chart
from reports.models import ReportRun
from reports.presenters import present_figures
from reports.selectors import departures_year_to_date, same_day_last_year
from tests.factories import CaseFactory
from tests.medical.factories import ClearedAssessmentFactory

from .conftest import d, depart

pytestmark = pytest.mark.django_db
KIGALI = ZoneInfo("Africa/Kigali")


def _household(persons=1, **kwargs):
    """A household of `persons` (the principal applicant and persons - 1 members)."""
    return CaseFactory(members=persons - 1, **kwargs)


def test_on_a_january_day_the_year_so_far_is_compared_with_the_same_days_of_last_year(
    client, manager
):
    this = _household(2)
    depart(this, d(2026, 1, 5), list(this.members.all()))
    same_days = _household(1)
    depart(same_days, d(2025, 1, 10), list(same_days.members.all()))
    after = _household(3)  # the next day last year: not in the same days
    depart(after, d(2025, 1, 11), list(after.members.all()))
    december = _household(1)
    depart(december, d(2025, 12, 20), list(december.members.all()))

    with time_machine.travel(datetime.datetime(2026, 1, 10, 9, tzinfo=KIGALI), tick=False):
        ytd = departures_year_to_date(user=manager, today=datetime.date(2026, 1, 10))
        client.force_login(manager)
        page = client.get(reverse("reports:dashboard")).content.decode()

    assert (ytd.persons, ytd.last_persons) == (2, 1)
    assert ytd.last_until == datetime.date(2025, 1, 10)
    assert "Persons departed from 1 January to 10 January: 2" in page
    assert "The same days last year (1 January to 10 January 2025): 1" in page


def test_the_29th_of_february_is_compared_up_to_the_28th():
    assert same_day_last_year(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)


def test_a_year_with_no_departures_yet_says_so_in_words_instead_of_an_empty_chart(
    client, manager, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.datetime(2026, 1, 3, 9, tzinfo=KIGALI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.run_request(user=manager, kind="yearly", year=2026)
        client.force_login(manager)
        page = client.get(reverse("reports:dashboard")).content.decode()

    assert "Persons departed from 1 January to 3 January: 0" in page
    assert "No departures in the computed figures of 2026 or 2025 yet: nothing to draw." in page
    months = page.split('id="months-title"')[1].split("</section>")[0]
    assert "<svg" not in months
    assert months.count('<th scope="row">') == 12  # every month, as zeros


def test_a_chart_of_nothing_has_an_axis_from_nought_not_below():
    svg = bar_chart(title="Departures", labels=["Jan", "Feb"], series=[("2026", [0, 0])])
    assert "−0.04" not in svg and "-0.04" not in svg and "0.04" not in svg


def test_clearances_closing_list_only_people_still_to_travel(client, manager):
    today = datetime.date(2026, 3, 1)
    flown = _household(2, status="departed")
    depart(flown, d(2026, 2, 20), list(flown.members.all()))
    for person in flown.members.all():
        ClearedAssessmentFactory(individual=person, valid_until=today + datetime.timedelta(days=9))
    waiting = _household(1, status="booked")
    closing = ClearedAssessmentFactory(
        individual=waiting.members.get(), valid_until=today + datetime.timedelta(days=12)
    )

    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=KIGALI), tick=False):
        client.force_login(manager)
        page = client.get(reverse("reports:dashboard")).content.decode()

    section = page.split('id="closing-title"')[1].split("</section>")[0]
    assert "(1)" in section.split("</h2>")[0]
    assert closing.individual.full_name in section
    assert flown.case_number not in section


def test_every_month_appears_in_the_monthly_table_in_every_format(
    manager, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    household = _household(2)
    depart(household, d(2024, 6, 15), list(household.members.all()))
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=2024)
    run = ReportRun.objects.get(pk=run.pk)

    stored = [r for r in run.figures["tables"]["departures_by_month"] if r["level"] == "detail"]
    assert sorted(r["dims"]["month"] for r in stored) == list(range(1, 13))
    table = next(t for t in present_figures(run.figures) if t.key == "departures_by_month")
    details = [(row.labels[0], row.cells[0].value) for row in table.rows if row.level == "detail"]
    assert details[0] == ("January", 0) and details[5] == ("June", 2) and len(details) == 12

    with run.files.get(edition="draft", format="csv").file.open("rb") as f:
        rows = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"))))
    assert ["January", "0", "0"] in rows and ["June", "2", "0"] in rows
    assert ["December", "0", "0"] in rows
    client.force_login(manager)
    api = client.get(f"/api/v1/reports/runs/{run.pk}/").json()
    months = [r for r in api["figures"]["tables"]["departures_by_month"] if r["level"] == "detail"]
    assert len(months) == 12


def test_right_after_approval_the_page_says_which_files_are_still_being_written(
    manager, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=2024)
    # Approved, the approved files' task not run yet (the worker is busy).
    services.run_approve(run_id=run.pk, user=manager)
    client.force_login(manager)
    page = client.get(run.get_absolute_url()).content.decode()
    approved = page.split("Approved edition")[1].split("</p>")[0]
    assert "CSV (still being written)" in approved and "PDF (still being written)" in approved
    assert "Some files are still being written; this list updates itself." in page
    assert f'hx-get="/reports/runs/{run.pk}/files/"' in page

    services.approved_files_write(run_id=run.pk)
    panel = client.get(reverse("reports:run_files", kwargs={"pk": run.pk})).content.decode()
    assert "still being written" not in panel and "hx-get" not in panel
    assert panel.count("download") == 6


def test_a_queued_runs_header_and_panel_say_the_same(manager, client):
    run, _ = services.run_request(user=manager, kind="yearly", year=2024)
    client.force_login(manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert '<dd id="run-status">Queued</dd>' in page and "Waiting for a worker" in page
    assert "The files are written once the figures are computed" in page
    # The worker starts: the polled panel brings the header's status along (out of band).
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress_note="Departures")
    polled = client.get(
        reverse("reports:run_progress", kwargs={"pk": run.pk}) + "?reload=1&header=1",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Computing: Departures" in polled
    assert '<dd id="run-status" hx-swap-oob="true">Computing (Departures)</dd>' in polled
