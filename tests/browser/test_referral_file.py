"""A caseworker sends a referral file in a real browser: the template is offered, a possible
duplicate is listed with a link to the person it may be, and "Save anyway" saves it."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from core.roles import Role
from tests.factories import CaseFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
CSV = (
    "unhcr_case_number,location,destination_country,programme,movement_type,"
    "submission_category,referral_date,given_name,family_name,sex,date_of_birth,nationality,"
    "relationship\n"
    "RWA-26-770001,Kiziba,USA,USRAP,refugee_resettlement,LPN,2026-10-01,Aline,Uwimana,F,"
    "1990-01-01,COD,PA\n"
)


def test_a_caseworker_saves_a_possible_duplicate_anyway(page, reference_data, tmp_path):
    user_with_role(Role.CASEWORKER, username="amina", first_name="Amina", last_name="Uwase")
    existing = CaseFactory(
        principal__given_name="Aline",
        principal__family_name="Uwimana",
        principal__date_of_birth=datetime.date(1990, 1, 1),
    )
    page.set_default_timeout(30_000)  # a shared, loaded machine
    file = tmp_path / "referrals.csv"
    file.write_text(CSV)

    page.goto("/partners/referral-files/")
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Referral files")).to_be_visible()
    expect(page.get_by_role("link", name="Download the CSV template")).to_be_visible()

    page.get_by_label("Referral file (CSV or JSON)").set_input_files(str(file))
    page.get_by_role("button", name="Send the file").click()
    expect(page).to_have_url(re.compile(r"/partners/referral-files/\d+/$"))
    row = page.get_by_role("row").filter(has_text="RWA-26-770001")
    expect(row).to_contain_text("Aline Uwimana")
    expect(row.get_by_role("link", name=re.compile(existing.case_number))).to_have_attribute(
        "href", existing.get_absolute_url()
    )
    row.get_by_role("button", name="Save anyway: it is someone else").click()
    saved = Case.objects.get(unhcr_case_number="RWA-26-770001")
    expect(page.get_by_text(f"Saved anyway as case {saved.case_number}").first).to_be_visible()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
