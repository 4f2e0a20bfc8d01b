"""A manager's figures in a real browser: log in to the dashboard, ask for last year's report,
read it, drill into a figure, approve it and download the approved CSV."""

import csv
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.roles import Role
from tests.factories import CaseFactory, user_with_role
from tests.reports.conftest import d, depart

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
YEAR = timezone.localdate().year - 1


def test_a_manager_computes_reads_drills_approves_and_downloads_last_years_report(
    page, reference_data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user_with_role(Role.MANAGER, username="director")
    household = CaseFactory(members=2)
    depart(household, d(YEAR, 8, 20), list(household.members.all()))

    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Figures", exact=True)).to_be_visible()

    page.get_by_label("Report").select_option("yearly")
    page.get_by_label("Year", exact=True).fill(str(YEAR))
    page.get_by_role("button", name="Compute", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"Yearly figures {YEAR}"))).to_be_visible()
    table = page.locator("section", has=page.locator("#t-departures_by_destination"))
    expect(table.get_by_role("row", name=re.compile("United States"))).to_contain_text("3")

    table.get_by_role("row", name=re.compile("United States")).get_by_role("link").first.click()
    expect(page.get_by_text("Counted from today's records: 3.")).to_be_visible()
    expect(page.get_by_role("link", name=household.case_number).first).to_be_visible()
    page.go_back()

    page.get_by_role("button", name="Approve and publish version 1").click()
    expect(page.get_by_text(re.compile("Approved by director on"))).to_be_visible()
    approved = page.locator("p", has_text="Approved edition")
    with page.expect_download() as download:
        approved.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.reader(io.StringIO(saved.read())))
    assert rows[2][1].startswith("Approved by director on")
    assert ["United States", "3", "0"] in rows
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_record_changed_behind_an_approved_year_is_flagged_without_a_recompute(
    page, reference_data, settings, tmp_path
):
    """The manager approves last year, a clerk corrects a traveller's sex afterwards, and the
    approved year's page says what changed and whose record, with no new version computed."""
    from cases.models import Individual
    from reports.models import ReportRun

    settings.MEDIA_ROOT = tmp_path
    # Computing the year (eager here, in the request) writes a PDF: slow on a busy machine.
    page.set_default_timeout(60_000)
    user_with_role(Role.MANAGER, username="director")
    household = CaseFactory(members=2)
    depart(household, d(YEAR, 8, 20), list(household.members.all()))
    person = household.members.order_by("pk").first()
    Individual.objects.filter(pk=person.pk).update(given_name="Amani", family_name="Uwase")

    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Report").select_option("yearly")
    page.get_by_label("Year", exact=True).fill(str(YEAR))
    page.get_by_role("button", name="Compute", exact=True).click()
    page.get_by_role("button", name="Approve and publish version 1").click()
    expect(page.get_by_text(re.compile("Approved by director on"))).to_be_visible()

    page.goto(f"/reports/years/{YEAR}/")
    expect(page.get_by_role("heading", name="No change since approval")).to_be_visible()

    # Later, the record behind the approved figures is corrected.
    new_sex = "M" if person.sex == "F" else "F"
    Individual.objects.filter(pk=person.pk).update(sex=new_sex)
    runs = ReportRun.objects.count()

    page.goto(f"/reports/years/{YEAR}/")
    changes = page.locator("#changes")
    expect(changes.get_by_role("heading", name="Changed since approval")).to_be_visible()
    expect(changes.get_by_role("row", name=re.compile("Departures by sex"))).to_have_count(2)
    expect(changes).to_contain_text("Amani Uwase")
    expect(changes.get_by_role("link", name=household.case_number).first).to_be_visible()
    assert ReportRun.objects.count() == runs  # nothing recomputed: no new version
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_the_dashboards_pipeline_fits_a_laptop_screen(page, reference_data):
    page.set_default_timeout(60_000)  # the first page of the live server, on a busy machine
    user_with_role(Role.MANAGER, username="director")
    for status in (
        "referred",
        "pre_screening",
        "approved",
        "health_assessment",
        "medically_cleared",
        "orientation",
        "ready_to_travel",
        "booked",
        "departed",
        "arrived",
        "closed",
    ):
        CaseFactory(status=status)
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Pipeline")).to_be_visible()
    # Nothing wider than the screen: the page does not scroll sideways, and the pipeline's
    # table stays within its panel (scrolling there if it must).
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    panel = page.locator("section", has=page.get_by_role("heading", name="Pipeline"))
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366
    expect(page.get_by_text("nothing to draw")).to_be_visible()
