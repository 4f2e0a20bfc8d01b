"""Each role allowed to write on the pages of movements, reports and partners does the whole
job through them (the refusals of the other roles: test_every_page.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from movements.choices import BookingStatus
from movements.models import Booking, BookingNotice, Escort, TransitStay
from reports.models import DepartureImport, ReportRun
from tests.movements.booked import mission
from tests.movements.conftest import TODAY, days, ready_case
from tests.movements.test_pages import booking_post
from tests.page_world import HISTORY_CSV
from tests.partners.test_intake import csv_file, person_line

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["movement_officer", "administrator"])
def test_movement_staff_book_ticket_escort_check_in_out_notify_and_cancel(client, request, role):
    mission()
    case = ready_case(adults=2)
    client.force_login(request.getfixturevalue(role))

    def post(name, body=None, **kwargs):
        return client.post(reverse(name, kwargs=kwargs), body or {}).status_code

    assert post("movements:book", booking_post(case, TODAY() + days(21)), pk=case.pk) == 302
    booking = Booking.objects.get(case=case)
    tickets = {f"ticket_{m.pk}": f"0820000{m.pk:06d}" for m in case.members.all()}
    body = {"booking_reference": "ABC", "status": BookingStatus.TICKETED, **tickets}
    assert post("movements:booking_tickets", body, pk=booking.pk) == 302
    escort = {"name": "Dr. Ange", "kind": "staff", "role": "medical"}
    assert post("movements:escort_add", escort, pk=booking.pk) == 302
    assert post("movements:check_in", {"centre": "Kigali transit centre"}, pk=booking.pk) == 302
    stay = TransitStay.objects.get(case=case)
    assert post("movements:check_out", pk=stay.pk) == 302
    assert post("movements:notice_send", booking_pk=booking.pk) == 302
    assert post("movements:escort_remove", pk=Escort.objects.get().pk) == 302
    assert post("movements:booking_cancel", {"reason": "Family withdrew"}, pk=booking.pk) == 302

    booking.refresh_from_db()
    stay.refresh_from_db()
    case.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.booking_reference == "ABC"
    assert stay.checked_out_at is not None and not Escort.objects.exists()
    # the original, then the amended notices telling the mission of the escort removed and of
    # the cancellation (both sent by themselves)
    kinds = BookingNotice.objects.filter(booking=booking).order_by("sequence")
    assert [n.kind for n in kinds] == ["original", "amended", "amended"]
    assert case.status == "ready_to_travel"


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_report_staff_ask_approve_and_import(
    client, request, role, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("reports:runs"), {"kind": "yearly", "year": 2020})
    run = ReportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(reverse("reports:run_approve", kwargs={"pk": run.pk}))
    imported = client.post(
        reverse("reports:history"), {"file": SimpleUploadedFile("past.csv", HISTORY_CSV)}
    )
    run.refresh_from_db()
    assert (asked.status_code, approved.status_code, imported.status_code) == (302, 302, 302)
    assert run.is_approved and run.files.filter(edition="approved").exists()
    assert DepartureImport.objects.get().persons == 3


@pytest.mark.parametrize("role", ["caseworker", "administrator"])
def test_household_editors_upload_a_referral_file(
    client, request, role, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    file = csv_file([person_line("RWA-88-1", "Ana")])
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("partners:referral_files"), {"file": file})
    assert sent.status_code == 302
    assert Case.objects.filter(unhcr_case_number="RWA-88-1").count() == 1
