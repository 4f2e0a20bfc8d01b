"""A clinician's day in a real browser: log in, open the clinic from the menu, make an
appointment, record the assessment, a result and the outcome; the caseworker then sees the
clearance on the case page and is refused the clinic."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from cases.choices import CaseStatus
from cases.reference_data import load_reference_data
from core.roles import Role
from medical.models import HealthAssessment
from medical.reference_data import load_medical_protocols
from tests.factories import user_with_role
from tests.medical.conftest import case_in, physician_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def clinic_reference_data(transactional_db):
    load_reference_data()
    load_medical_protocols()


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_clinician_records_an_assessment_and_the_caseworker_sees_only_the_clearance(
    page,
    clinic_reference_data,
):
    user_with_role(Role.CLINICIAN, username="nurse")
    physician_user("doctor")
    user_with_role(Role.CASEWORKER, username="amina")
    case = case_in(CaseStatus.HEALTH_ASSESSMENT, adults=1)
    today = timezone.localdate()

    _log_in(page, "nurse")
    page.goto(f"/clinic/cases/{case.pk}/")
    page.get_by_label("Person").select_option(label="Amani Mugisha")
    page.get_by_label("Appointment").fill(f"{today.isoformat()}T09:30")
    page.get_by_role("button", name="Make the appointment").click()
    expect(
        page.get_by_role("heading", name=re.compile("Health assessment of Amani"))
    ).to_be_visible()

    page.get_by_role("link", name="Clinic").click()
    expect(page.get_by_role("link", name="Amani Mugisha")).to_be_visible()
    page.get_by_role("link", name="Amani Mugisha").click()

    # A result added before the parts are saved keeps what was typed in them.
    page.get_by_label("Medical history").fill("Treated for malaria in 2019")
    page.locator("#id_lab-test").select_option(value="igra")
    page.locator("#id_lab-result").select_option(value="negative")
    page.locator("#id_lab-tested_on").fill(today.isoformat())
    page.get_by_role("button", name="Add the result").click()
    expect(page.get_by_label("Medical history")).to_have_value("Treated for malaria in 2019")
    page.get_by_label("Assessment date").fill(today.isoformat())
    page.get_by_label("Physical examination").fill("Unremarkable")
    page.get_by_label("Chest X-ray date").fill(today.isoformat())
    page.get_by_label("Tuberculosis classification").select_option(value="none")
    page.get_by_role("button", name="Save the assessment").click()
    # What the USRAP protocol asks of an adult.
    for test in ("syphilis", "gonorrhoea"):
        page.locator("#id_lab-test").select_option(value=test)
        page.locator("#id_lab-result").select_option(value="negative")
        page.locator("#id_lab-tested_on").fill(today.isoformat())
        page.get_by_role("button", name="Add the result").click()
    # A nurse records the parts; the physician signs the outcome.
    expect(page.get_by_text("A physician signs the outcome")).to_be_visible()
    expect(page.get_by_role("button", name="Record the outcome")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    _log_in(page, "doctor")
    page.goto(f"/clinic/assessments/{HealthAssessment.objects.get().pk}/")
    page.locator("#id_outcome").select_option(value="cleared")
    page.get_by_label("Outcome date").fill(today.isoformat())
    page.get_by_role("button", name="Record the outcome").click()
    valid_until = today + datetime.timedelta(days=180)
    expect(page.get_by_text(f"valid until {date_format(valid_until)}")).to_be_visible()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]

    assessment = HealthAssessment.objects.get(individual=case.principal)
    assert assessment.valid_until == valid_until
    assert assessment.lab_results.count() == 3

    page.get_by_role("button", name="Log out").click()
    _log_in(page, "amina")
    page.goto(f"/cases/{case.pk}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Health clearance"))
    expect(panel).to_contain_text("Cleared")
    expect(panel).to_contain_text(date_format(valid_until))
    expect(page.locator("body")).not_to_contain_text("malaria")
    response = page.goto(f"/clinic/assessments/{assessment.pk}/")
    assert response.status == 403
