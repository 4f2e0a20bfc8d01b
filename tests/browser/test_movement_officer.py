"""A movement officer's day in a real browser: find a ready household on the readiness board,
book its flight (times on each airport's clock), check it in at the transit centre, be refused
the departure until the clinic records the pre-embarkation check, record the departure and the
arrival; each step is on the case's timeline."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import workflow
from cases.choices import CaseStatus
from cases.models import CaseEvent
from cases.roles import Role
from medical.models import HealthAssessment
from movements.models import Booking
from tests.factories import TravelDocumentFactory, user_with_role
from tests.medical.conftest import case_in
from tests.medical.factories import ClearedAssessmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _ready_household():
    """A US household of two at "ready to travel": approved, cleared, documented."""
    case = case_in(CaseStatus.READY_TO_TRAVEL, adults=2)
    CaseEvent.objects.create(case=case, kind="status_changed", to_status=CaseStatus.APPROVED)
    for person in case.members.all():
        ClearedAssessmentFactory(individual=person)
        TravelDocumentFactory(individual=person)
    return case


def test_a_movement_officer_books_and_moves_a_household_to_arrival(
    page, reference_data, monkeypatch
):
    # Orientation is the orientation app's to test (tests/orientation); here it holds.
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)
    user_with_role(Role.MOVEMENT_OFFICER, username="patrick")
    user_with_role(Role.CLINICIAN, username="nurse")
    case = _ready_household()
    today = timezone.localdate()
    tomorrow = today + timezone.timedelta(days=1)

    # The board lists the household with its window; book from there.
    _log_in(page, "patrick")
    page.get_by_role("link", name="Movements", exact=True).click()
    ready = page.locator("section", has=page.get_by_role("heading", name="Ready to book"))
    expect(ready).to_contain_text(case.case_number)
    expect(ready).to_contain_text("Amani Mugisha")
    ready.get_by_role("link", name=re.compile(f"Book {case.case_number}")).click()
    expect(page.get_by_role("heading", name=re.compile("Book case"))).to_be_visible()
    expect(page.locator("body")).to_contain_text("can fly between")

    # Tonight's flight, Kigali to Brussels, landing tomorrow morning on Brussels' clock.
    page.locator("#id_s1_carrier").fill("Brussels Airlines")
    page.locator("#id_s1_flight_number").fill("SN466")
    page.locator("#id_s1_from_airport").fill("KGL")
    page.locator("#id_s1_departs_at").fill(f"{today.isoformat()}T23:30")
    page.locator("#id_s1_to_airport").fill("BRU")
    page.locator("#id_s1_to_timezone").select_option("Europe/Brussels")
    page.locator("#id_s1_arrives_at").fill(f"{tomorrow.isoformat()}T06:15")
    page.get_by_label("Booking reference").fill("SNX4Q2")
    page.get_by_role("button", name="Book the flight").click()

    expect(page.locator("#booking-status")).to_have_text("Booked")
    booking = Booking.objects.get(case=case)
    assert booking.departure_date == today
    assert booking.travellers.count() == 2

    # Tickets, then the transit centre.
    for seat in booking.travellers.all():
        page.locator(f"#id_ticket_{seat.individual_id}").fill(f"0823{seat.individual_id:09d}")
    page.get_by_label("Status").select_option("ticketed")
    page.get_by_role("button", name="Save tickets and status").click()
    expect(page.locator("#booking-status")).to_have_text("Ticketed")
    page.get_by_role("button", name="Check in at the transit centre").click()
    expect(page.get_by_text("The household is checked in.")).to_be_visible()

    # No pre-embarkation check yet: the departure is refused and says why.
    page.get_by_role("button", name="Record departure").click()
    expect(page.locator(".error-summary")).to_contain_text("No pre-embarkation check between")
    expect(page.locator("#booking-status")).to_have_text("Ticketed")

    # The clinic records the check for both travellers.
    page.get_by_role("button", name="Log out").click()
    _log_in(page, "nurse")
    for assessment in HealthAssessment.objects.filter(individual__case=case):
        page.goto(f"/clinic/assessments/{assessment.pk}/")
        page.get_by_label("Date of check").fill(today.isoformat())
        page.get_by_label("Planned departure").fill(today.isoformat())
        page.locator("#id_check-result").select_option("fit")
        page.get_by_role("button", name="Record the check").click()
    page.get_by_role("button", name="Log out").click()

    # Departure on the day, then the arrival and handover.
    _log_in(page, "patrick")
    page.goto(booking.get_absolute_url())
    page.get_by_role("button", name="Record departure").click()
    expect(page.locator("#booking-status")).to_have_text("Flown")
    expect(page.locator("#departure-fact")).to_contain_text("Mahama")
    page.get_by_label("Arrived on").fill(tomorrow.isoformat())
    page.get_by_label("Airport (IATA)").fill("BRU")
    page.get_by_label("Receiving agency").fill("Fedasil")
    page.get_by_role("button", name="Record arrival").click()
    expect(page.locator("#arrival-fact")).to_contain_text("Fedasil")

    # The case page shows the flight and every step on the timeline.
    page.get_by_role("link", name=f"Case {case.case_number}").click()
    expect(page.locator("#case-status .status")).to_have_text("Arrived")
    panel = page.locator("section", has=page.get_by_role("heading", name="Movement"))
    expect(panel).to_contain_text("SN466")
    expect(panel).to_contain_text(today.isoformat())
    timeline = page.locator("#timeline")
    for text in ("Booked: ", "Checked in at", "Departed on", "Arrived on", "Fedasil"):
        expect(timeline).to_contain_text(text)
    case.refresh_from_db()
    assert case.status == CaseStatus.ARRIVED
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
