"""A movement officer's day in a real browser: find a ready household on the readiness board,
book its flight (times on each airport's clock), check it in at the transit centre, be refused
the departure until the clinic records the pre-embarkation check, record the departure and the
arrival; each step is on the case's timeline. A household that did not board is a no-show."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from cases import workflow
from cases.choices import CaseStatus
from cases.models import Case, CaseEvent, SubmissionCategory
from core.roles import Role
from medical.models import HealthAssessment
from medical.reference_data import physician_group_ensure
from movements.bookings import services
from movements.models import Booking, Departure
from orientation.models import Curriculum
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


@pytest.fixture
def noon():
    """The server's clock at noon in Kigali today (ticking): the 13:30 flight's check-in is
    open, the flight has not left."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


def test_a_movement_officer_books_and_moves_a_household_to_arrival(
    page, reference_data, monkeypatch, noon
):
    # Orientation is the orientation app's to test (tests/orientation); here it holds.
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)
    user_with_role(Role.MOVEMENT_OFFICER, username="patrick")
    user_with_role(Role.CLINICIAN, username="nurse")
    case = _ready_household()
    today = timezone.localdate()

    # The board lists the household with its window; book from there.
    _log_in(page, "patrick")
    page.get_by_role("link", name="Movements", exact=True).click()
    ready = page.locator("section", has=page.get_by_role("heading", name="Ready to book"))
    expect(ready).to_contain_text(case.case_number)
    expect(ready).to_contain_text("Amani Mugisha")
    ready.get_by_role("link", name=re.compile(f"Book {case.case_number}")).click()
    expect(page.get_by_role("heading", name=re.compile("Book case"))).to_be_visible()
    expect(page.locator("body")).to_contain_text("can fly between")

    # This afternoon's flight, Kigali to Brussels, landing in the evening on Brussels' clock;
    # the officer types airport codes, the zones come from the airports (shown to confirm).
    page.locator("#id_s1_carrier").fill("Brussels Airlines")
    page.locator("#id_s1_flight_number").fill("SN466")
    page.locator("#id_s1_from_airport").fill("KGL")
    page.locator("#id_s1_departs_at").fill(f"{today.isoformat()}T13:30")
    page.locator("#id_s1_to_airport").fill("BRU")
    page.locator("#id_s1_arrives_at").fill(f"{today.isoformat()}T20:15")
    page.get_by_role("button", name="Check the airports").click()
    expect(page.locator("#airports-found")).to_contain_text("Europe/Brussels")
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
    noon.shift(datetime.timedelta(hours=10))  # landed at 20:15 in Brussels
    _log_in(page, "patrick")  # the session of noon has expired
    page.goto(booking.get_absolute_url())
    page.get_by_label("Arrived on").fill(today.isoformat())
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


def _step(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def test_a_referral_goes_all_the_way_to_arrival_through_the_browser(page, reference_data, noon):
    """Referral, pre-screening interview and approval, health assessment and clearance,
    orientation, travel document, ready to travel, booking, pre-embarkation check, departure and
    arrival: every step taken on the pages by the role whose job it is."""
    for role, name in (
        (Role.CASEWORKER, "amina"),
        (Role.CLINICIAN, "nurse"),
        (Role.ORIENTATION_FACILITATOR, "aline"),
        (Role.MOVEMENT_OFFICER, "patrick"),
    ):
        user_with_role(role, username=name, first_name=name.title(), last_name="Test")
    # The clinician here signs the clearance: a physician (nurses record the parts only).
    User.objects.get(username="nurse").groups.add(physician_group_ensure())
    category = SubmissionCategory.objects.get(code="LPN")
    today = timezone.localdate()
    status = page.locator("#case-status .status")

    # The caseworker takes in the referral of a single adult going to the United States.
    _log_in(page, "amina")
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("UNHCR case number").fill("RWA-24-990001")
    page.get_by_label("Camp or location").select_option(label="Mahama")
    page.get_by_label("Destination country").select_option(label="United States")
    page.get_by_label("Programme").select_option(label="USRAP (United States)")
    page.get_by_label("Movement type").select_option(label="Refugee resettlement")
    page.get_by_label("UNHCR submission category").select_option(value=str(category.pk))
    page.locator("#id_members-0-given_name").fill("Espérance")
    page.locator("#id_members-0-family_name").fill("Uwera")
    page.locator("#id_members-0-sex").select_option(label="Female")
    page.locator("#id_members-0-date_of_birth").fill("1990-03-02")
    page.locator("#id_members-0-nationality").select_option(
        label="Democratic Republic of the Congo"
    )
    page.get_by_role("button", name="Save the case").click()
    expect(status).to_have_text("Referred")
    case = Case.objects.get(unhcr_case_number="RWA-24-990001")
    case_url = f"/cases/{case.pk}/"

    # Pre-screening interview this morning, completed, approved.
    _step(page, "Start pre-screening")
    expect(status).to_have_text("Pre-screening")
    page.get_by_role("link", name="Schedule an interview").click()
    page.get_by_label("Kind of interview").select_option("pre_screening")
    page.get_by_label("Date and time").fill(f"{today.isoformat()}T00:30")
    page.get_by_role("button", name="Schedule").click()
    page.goto(case_url)
    page.get_by_role("link", name="Record outcome").click()
    page.get_by_label("Outcome").select_option("completed")
    page.get_by_label("Decision").select_option("approved")
    page.get_by_label("Decided on").fill(today.isoformat())
    page.get_by_role("button", name="Record", exact=True).click()
    page.goto(case_url)
    expect(status).to_have_text("Approved")
    _step(page, "Start health assessment")
    expect(status).to_have_text("Health assessment")

    # Her travel document.
    page.get_by_role("link", name=re.compile("Add document")).click()
    page.get_by_label("Type").select_option("refugee_travel_document")
    page.get_by_label("Number").fill("RTD0099001")
    page.get_by_label("Issued by").select_option(label="Rwanda")
    page.get_by_label("Issued on").fill((today - timezone.timedelta(days=20)).isoformat())
    page.get_by_label("Expires on").fill((today + timezone.timedelta(days=700)).isoformat())
    page.get_by_role("button", name="Record the document").click()
    page.get_by_role("button", name="Log out").click()

    # The clinic: appointment, assessment, result, cleared.
    _log_in(page, "nurse")
    page.goto(f"/clinic/cases/{case.pk}/")
    page.get_by_label("Person").select_option(label="Espérance Uwera")
    page.get_by_label("Appointment").fill(f"{today.isoformat()}T09:30")
    page.get_by_role("button", name="Make the appointment").click()
    page.get_by_label("Assessment date").fill(today.isoformat())
    page.get_by_label("Medical history").fill("No significant history")
    page.get_by_label("Physical examination").fill("Unremarkable")
    page.get_by_label("Chest X-ray date").fill(today.isoformat())
    page.get_by_label("Tuberculosis classification").select_option(value="none")
    page.get_by_role("button", name="Save the assessment").click()
    # A clearance needs every part the USRAP protocol asks of an adult.
    for test in ("igra", "syphilis", "gonorrhoea"):
        page.locator("#id_lab-test").select_option(value=test)
        page.locator("#id_lab-result").select_option(value="negative")
        page.locator("#id_lab-tested_on").fill(today.isoformat())
        page.get_by_role("button", name="Add the result").click()
    page.locator("#id_outcome").select_option(value="cleared")
    page.get_by_label("Outcome date").fill(today.isoformat())
    page.get_by_role("button", name="Record the outcome").click()
    # The clinic's outcome moves the case on by itself.
    page.goto(case_url)
    expect(status).to_have_text("Medically cleared")
    page.get_by_role("button", name="Log out").click()

    # Orientation: the caseworker starts it, the facilitator holds a one-day session.
    _log_in(page, "amina")
    page.goto(case_url)
    _step(page, "Start cultural orientation")
    page.get_by_role("button", name="Log out").click()
    _log_in(page, "aline")
    page.goto("/orientation/sessions/new/")
    curriculum = Curriculum.objects.get(destination_country__iso_code="USA")
    page.get_by_label("Curriculum").select_option(value=str(curriculum.pk))
    page.get_by_label("First day").fill(today.isoformat())
    page.get_by_label("Number of days").fill("1")
    page.get_by_label("Venue").fill("Mahama community hall")
    page.locator("#id_language").fill("Kinyarwanda")
    page.get_by_label("Facilitator").select_option(index=1)
    page.get_by_label("Capacity (people)").fill("30")
    page.get_by_role("button", name="Plan the session").click()
    page.get_by_label("Internal case number").fill(case.case_number)
    page.get_by_role("button", name="Enroll").click()
    page.get_by_label(re.compile("Espérance Uwera")).check()
    page.get_by_role("button", name="Save attendance for day 1").click()
    page.get_by_role("button", name="Log out").click()

    _log_in(page, "amina")
    page.goto(case_url)
    _step(page, "Mark ready to travel")
    expect(status).to_have_text("Ready to travel")
    page.get_by_role("button", name="Log out").click()

    # The movement officer books this afternoon's flight from the case page.
    _log_in(page, "patrick")
    page.goto(case_url)
    page.get_by_role("link", name="Book a flight").click()
    page.locator("#id_s1_carrier").fill("Qatar Airways")
    page.locator("#id_s1_flight_number").fill("QR1356")
    page.locator("#id_s1_from_airport").fill("KGL")
    page.locator("#id_s1_departs_at").fill(f"{today.isoformat()}T13:30")
    page.locator("#id_s1_to_airport").fill("DOH")
    page.locator("#id_s1_arrives_at").fill(f"{today.isoformat()}T19:55")
    page.get_by_role("button", name="Book the flight").click()
    expect(page.locator("#booking-status")).to_have_text("Booked")
    booking_url = page.url
    page.get_by_role("button", name="Log out").click()

    # The clinic's pre-embarkation check, then departure and arrival.
    _log_in(page, "nurse")
    assessment = HealthAssessment.objects.get(individual__case=case)
    page.goto(f"/clinic/assessments/{assessment.pk}/")
    page.get_by_label("Date of check").fill(today.isoformat())
    page.get_by_label("Planned departure").fill(today.isoformat())
    page.locator("#id_check-result").select_option("fit")
    page.get_by_role("button", name="Record the check").click()
    page.get_by_role("button", name="Log out").click()
    _log_in(page, "patrick")
    page.goto(booking_url)
    page.get_by_role("button", name="Record departure").click()
    expect(page.locator("#booking-status")).to_have_text("Flown")
    noon.shift(datetime.timedelta(hours=10))  # landed at 19:55 in Doha
    _log_in(page, "patrick")  # the session of noon has expired
    page.goto(booking_url)
    page.get_by_label("Arrived on").fill(today.isoformat())
    page.get_by_label("Airport (IATA)").fill("IAD")
    page.get_by_label("Receiving agency").fill("IOM Washington")
    page.get_by_role("button", name="Record arrival").click()
    expect(page.locator("#arrival-fact")).to_contain_text("IOM Washington")

    page.goto(case_url)
    expect(status).to_have_text("Arrived")
    case.refresh_from_db()
    assert case.status == CaseStatus.ARRIVED
    steps = list(
        case.events.filter(kind="status_changed")
        .order_by("at", "id")
        .values_list("transition", flat=True)
    )
    assert steps == [
        "start_pre_screening",
        "approve",
        "start_health_assessment",
        "clear_medically",
        "start_orientation",
        "mark_ready_to_travel",
        "book",
        "depart",
        "arrive",
    ]
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_household_that_did_not_board_is_a_no_show_back_to_ready(
    page, reference_data, monkeypatch, noon
):
    """The household does not come to the airport: the officer records a no-show with the
    reason; the case is back to "ready to travel", nothing departed, the timeline says why."""
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)
    officer = user_with_role(Role.MOVEMENT_OFFICER, username="patrick")
    case = _ready_household()
    today = timezone.localdate()
    booking = services.booking_create(
        actor=officer,
        case=case,
        booking_reference="SNX4Q2",
        segments=[
            {
                "carrier": "Brussels Airlines",
                "flight_number": "SN466",
                "from_airport": "KGL",
                "to_airport": "BRU",
                "departs_at": datetime.datetime.combine(today, datetime.time(13, 30)),
                "arrives_at": datetime.datetime.combine(today, datetime.time(20, 15)),
            }
        ],
        travellers=[{"individual": m.pk} for m in case.members.all()],
    )

    _log_in(page, "patrick")
    page.goto(booking.get_absolute_url())
    page.get_by_label("Why the household did not board").fill("Did not come to the airport")
    page.get_by_role("button", name="Record a no-show").click()
    expect(page.get_by_text("The no-show is recorded")).to_be_visible()
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    expect(page.locator("body")).to_contain_text("Did not board (no-show)")

    page.get_by_role("link", name=f"Case {case.case_number}").click()
    expect(page.locator("#case-status .status")).to_have_text("Ready to travel")
    expect(page.locator("#timeline")).to_contain_text("Did not come to the airport")
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_TRAVEL
    assert not Departure.objects.filter(case=case).exists()
    booking.refresh_from_db()
    assert booking.no_show
