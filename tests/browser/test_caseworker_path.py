"""The caseworker's main path in a real browser: log in, take in a referral with two members,
find it by a member's name typed without accents, edit a member, move it to pre-screening, hold
it with a reason and resume it."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Case, SubmissionCategory
from core.roles import Role
from tests.factories import CaseFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _status(page):
    return page.locator("#case-status .status")


def test_a_caseworker_takes_in_finds_edits_and_moves_a_case(page, reference_data):
    user_with_role(Role.CASEWORKER, username="amina", first_name="Amina", last_name="Uwase")
    CaseFactory(principal__given_name="Olivier", principal__family_name="Ndayisenga")
    category = SubmissionCategory.objects.get(code="LPN")

    # Log in.
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/cases/"))
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    # Take in a referral with two members.
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("UNHCR case number").fill("RWA-24-880001")
    page.get_by_label("Camp or location").select_option(label="Kiziba")
    page.get_by_label("Destination country").select_option(label="Canada")
    page.get_by_label("Programme").select_option(label="CA-GAR (Canada)")
    page.get_by_label("Movement type").select_option(label="Refugee resettlement")
    page.get_by_label("UNHCR submission category").select_option(value=str(category.pk))
    page.get_by_label("Urgency").select_option(label="Urgent")
    page.locator("#id_members-0-given_name").fill("Émilienne")
    page.locator("#id_members-0-family_name").fill("Nyiranéza")
    page.locator("#id_members-0-sex").select_option(label="Female")
    page.locator("#id_members-0-date_of_birth").fill("1988-02-14")
    page.locator("#id_members-0-nationality").select_option(
        label="Democratic Republic of the Congo"
    )
    page.get_by_role("button", name="Add another member").click()

    expect(page.get_by_role("group", name="Member 2")).to_be_visible()
    expect(page.locator("#id_members-0-given_name")).to_have_value("Émilienne")
    expect(page.locator("#id_members-1-given_name")).to_be_focused()
    page.keyboard.type("Jean-Paul")
    page.locator("#id_members-1-family_name").fill("Habimana")
    page.locator("#id_members-1-sex").select_option(label="Male")
    page.locator("#id_members-1-date_of_birth").fill("2012-06-01")
    page.locator("#id_members-1-nationality").select_option(
        label="Democratic Republic of the Congo"
    )
    page.locator("#id_members-1-relationship").select_option(label="Son or daughter")
    page.get_by_role("button", name="Save the case").click()

    expect(page.get_by_text("taken in with 2 members")).to_be_visible()
    expect(page.get_by_role("heading", name="Household: 2 persons")).to_be_visible()
    expect(_status(page)).to_have_text("Referred")
    case = Case.objects.get(unhcr_case_number="RWA-24-880001")
    assert case.members.count() == 2

    # Find it by a member's name typed without accents: the table refreshes in place.
    page.get_by_role("link", name="Cases", exact=True).click()
    results = page.locator("#case-results")
    expect(results).to_contain_text("Ndayisenga")
    page.get_by_label("Search").fill("emilienne")
    expect(results).not_to_contain_text("Ndayisenga")
    expect(results).to_contain_text("RWA-24-880001")
    expect(page).to_have_url(re.compile(r"q=emilienne"))
    expect(page.locator("#result-summary")).to_have_text("1 case matches.")
    results.get_by_role("link", name=case.case_number).click()

    # Edit a member.
    page.get_by_role("link", name="Edit Jean-Paul Habimana").click()
    page.get_by_label("Languages").fill("Kinyarwanda, French")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The data of Jean-Paul Habimana was saved.")).to_be_visible()
    expect(page.locator("#household")).to_contain_text("Kinyarwanda, French")
    expect(page.locator("#timeline")).to_contain_text("Member changed")

    # Referred -> pre-screening.
    page.get_by_role("button", name="Start pre-screening").click()
    expect(_status(page)).to_have_text("Pre-screening")
    expect(page.locator("#timeline")).to_contain_text("Referred → Pre-screening")

    # On hold with a reason, with the keyboard only.
    page.locator("summary", has_text="Put on hold").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#reason-hold")).to_be_focused()
    page.keyboard.type("Waiting for the birth certificate of Jean-Paul")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(_status(page)).to_have_text("On hold")
    expect(page.get_by_text("Returns to “Pre-screening” when resumed")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text(
        "Waiting for the birth certificate of Jean-Paul"
    )

    # Resume: back to pre-screening.
    page.locator("summary", has_text="Resume").click()
    page.locator("#reason-resume").fill("Birth certificate received")
    page.get_by_role("button", name="Resume").click()
    expect(_status(page)).to_have_text("Pre-screening")
    expect(page.locator("#timeline")).to_contain_text("On hold → Pre-screening")

    case.refresh_from_db()
    assert case.status == "pre_screening"
    assert case.events.count() == 5  # created, member changed, and three steps
    # For a person to look at (not committed): does the case page read well on a laptop?
    page.screenshot(path=Path(tempfile.gettempdir()) / "case_page.png", full_page=True)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
