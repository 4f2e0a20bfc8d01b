"""In a real browser: a movement officer groups two booked households on one flight, prints the
manifest and sends a booking notice, which the worker mails; the mission acknowledges by the
link in the e-mail, once. A notified booking cancelled and booked again sends the new booking's
notice by itself, without the reason. A facilitator records a whole day's attendance on one
screen with the keyboard."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from core.roles import Role
from movements.choices import NoticeStatus
from movements.models import BookingNotice
from orientation import services
from orientation.models import Attendance, Curriculum
from tests.factories import user_with_role
from tests.movements.booked import booked_case, mission
from tests.orientation.conftest import household, plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_officer_groups_a_flight_sends_the_notice_and_the_mission_acknowledges(
    page, chromium, live_server, reference_data
):
    user_with_role(Role.MOVEMENT_OFFICER, username="patrick")
    mission()
    day = timezone.localdate() + datetime.timedelta(days=6)
    first, second = booked_case(day=day, children=1), booked_case(day=day, children=0)

    _log_in(page, "patrick")
    page.get_by_role("link", name="Travel groups").click()
    page.get_by_label("Name").fill("KQ 479 Nairobi")
    page.get_by_label("Flight date").fill(day.isoformat())
    page.get_by_role("button", name="Create the group").click()
    for booking in (first, second):
        page.get_by_label("Booked case").select_option(str(booking.pk))
        page.get_by_role("button", name="Add to the group").click()
        expect(page.get_by_text(f"Case {booking.case.case_number} added.")).to_be_visible()

    page.get_by_role("link", name="Manifest (printable)").click()
    manifest = page.locator(".manifest")
    expect(manifest).to_contain_text("3 travellers, 2 cases")
    expect(manifest).to_contain_text("Wheelchair")
    page.go_back()

    page.get_by_role("button", name="Send the booking notice").first.click()
    expect(page.locator("dl.facts")).to_contain_text("Sent")
    notice = BookingNotice.objects.get()
    assert notice.status == NoticeStatus.SENT
    link = re.search(r"http://\S+(/movements/notices/ack/\S+/)", mail.outbox[0].body).group(1)

    # The mission, not logged in, opens the link from the e-mail.
    mission_tab = chromium.new_context(base_url=live_server.url).new_page()
    mission_tab.goto(link)
    mission_tab.get_by_label("Your name and mission").fill("Consular section")
    mission_tab.get_by_role("button", name="Acknowledge receipt").click()
    expect(mission_tab.get_by_role("status")).to_contain_text("Thank you")
    mission_tab.goto(link)
    expect(mission_tab.locator("body")).to_contain_text("already acknowledged")
    expect(mission_tab.get_by_role("button", name="Acknowledge receipt")).to_have_count(0)

    page.reload()
    expect(page.locator("dl.facts")).to_contain_text("Consular section")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_rebooking_sends_its_notice_by_itself_and_never_the_reason(
    page, reference_data, monkeypatch
):
    from cases import workflow
    from movements.notices import services as notices
    from tests.movements.conftest import book, ready_case

    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)
    officer = user_with_role(Role.MOVEMENT_OFFICER, username="patrick")
    mission()
    case = ready_case()
    first = book(case, officer, day=timezone.localdate() + datetime.timedelta(days=20))
    notices.notice_send(actor=officer, booking=first)  # mailed on commit
    assert len(mail.outbox) == 1
    later = timezone.localdate() + datetime.timedelta(days=27)

    _log_in(page, "patrick")
    page.goto(first.get_absolute_url())
    page.get_by_label("Reason for cancelling").fill("Mother unwell, hospital visit")
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.locator("#booking-status")).to_contain_text("Cancelled")

    page.goto(f"/movements/cases/{case.pk}/book/")
    page.locator("#id_s1_carrier").fill("Brussels Airlines")
    page.locator("#id_s1_flight_number").fill("SN466")
    page.locator("#id_s1_from_airport").fill("KGL")
    page.locator("#id_s1_departs_at").fill(f"{later.isoformat()}T22:00")
    page.locator("#id_s1_to_airport").fill("BRU")
    page.locator("#id_s1_to_timezone").select_option("Europe/Brussels")
    page.locator("#id_s1_arrives_at").fill(
        f"{(later + datetime.timedelta(days=1)).isoformat()}T06:00"
    )
    page.get_by_label("Booking reference").fill("SNR2B0")
    page.get_by_role("button", name="Book the flight").click()

    # The new booking's page lists its notice, made and mailed without anyone sending it.
    notices_panel = page.locator(
        "section", has=page.get_by_role("heading", name="Advance booking notices")
    )
    expect(notices_panel).to_contain_text("Sent")
    expect(page.get_by_role("button", name="Send the booking notice to the mission")).to_have_count(
        0
    )
    new = BookingNotice.objects.exclude(booking=first).get()
    assert (new.status, new.kind, new.sequence) == (NoticeStatus.SENT, "original", 1)
    assert mail.outbox[-1].subject.startswith("Advance booking notification #1")
    assert all("Mother unwell" not in m.body for m in mail.outbox)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_facilitator_records_a_day_on_one_screen_with_the_keyboard(page, reference_data):
    facilitator = user_with_role(Role.ORIENTATION_FACILITATOR, username="grace")
    today = timezone.localdate()
    session = plan(facilitator, Curriculum.objects.get(destination_country__iso_code="USA"), today)
    case = household(ages=(40, 38, 16))
    services.enrollment_add(actor=facilitator, session=session, case=case)
    people = list(case.members.order_by("date_of_birth"))

    _log_in(page, "grace")
    page.goto(f"/orientation/sessions/{session.pk}/days/1/")
    for person in people[:2]:
        page.get_by_label(person.full_name).focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Save attendance for day 1").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Attendance for day 1 saved.")).to_be_visible()
    marks = dict(Attendance.objects.values_list("enrollment__individual", "present"))
    assert [marks[p.pk] for p in people] == [True, True, False]
