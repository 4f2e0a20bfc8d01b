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
