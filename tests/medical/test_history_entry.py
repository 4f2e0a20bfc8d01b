"""History entered later (a 2019 household re-entered through the API): every automatic step
checks validity on the event's own date, never today's."""

import datetime

from django.utils import timezone

from cases.choices import CaseStatus, EventKind
from cases.models import Case, CaseEvent, Location
from medical import services
from medical.choices import Outcome
from orientation.models import Curriculum
from tests.api_clients import session_client
from tests.medical.conftest import case_in
from tests.medical.factories import ExaminedAssessmentFactory

D = datetime.date


def status_of(case_id):
    return Case.objects.get(pk=case_id).status


def ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), (
        response.status_code,
        response.content,
    )
    return response.json()


def test_a_2019_household_entered_through_the_api_moves_on_its_own_dates_to_arrival(
    caseworker, clinician, facilitator, movement_officer
):
    desk, clinic, orientation = (
        session_client(caseworker),
        session_client(clinician),
        session_client(facilitator),
    )
    case = ok(
        desk.post(
            "/api/v1/cases/",
            {
                "unhcr_case_number": "RWA-19-004711",
                "location": Location.objects.get(name="Kiziba").pk,
                "destination_country": "USA",
                "programme": "USRAP",
                "movement_type": "refugee_resettlement",
                "submission_category": "LPN",
                "urgency": "normal",
                "referral_date": "2019-01-15",
                "members": [
                    {
                        "given_name": "Amani",
                        "family_name": "Habimana",
                        "sex": "F",
                        "date_of_birth": "1988-04-02",
                        "nationality": "COD",
                        "relationship": "PA",
                    }
                ],
            },
            format="json",
        )
    )
    case_id, person_id = case["id"], case["members"][0]["id"]

    # The support centre's decision moves the case by itself (pre-screening, approved).
    interview = ok(
        desk.post(
            "/api/v1/interviews/",
            {
                "case": case_id,
                "kind": "pre_screening",
                "scheduled_for": "2019-02-10T09:00:00+02:00",
                "venue": "Kigali RSC office",
            },
            format="json",
        )
    )
    ok(
        desk.post(
            f"/api/v1/interviews/{interview['id']}/outcome/",
            {"outcome": "completed", "decision": "approved", "decided_on": "2019-02-20"},
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.APPROVED
    ok(
        desk.post(
            f"/api/v1/cases/{case_id}/transitions/",
            {"transition": "start_health_assessment"},
            format="json",
        )
    )

    # The clinic's records of March 2019: the clearance (valid until September 2019) moves the
    # case to "medically cleared" by itself, checked on its own date.
    assessment = ok(
        clinic.post(
            "/api/v1/medical/assessments/",
            {
                "case": case_id,
                "individual": person_id,
                "assessed_on": "2019-03-05",
                "physical_examination": "Unremarkable.",
                "chest_xray_on": "2019-03-05",
                "tb_classification": "none",
            },
            format="json",
        )
    )
    for test in ("igra", "syphilis", "gonorrhoea"):
        ok(
            clinic.post(
                f"/api/v1/medical/assessments/{assessment['id']}/lab-results/",
                {"test": test, "result": "negative", "tested_on": "2019-03-05"},
                format="json",
            )
        )
    cleared = ok(
        clinic.post(
            f"/api/v1/medical/assessments/{assessment['id']}/outcome/",
            {"outcome": "cleared", "outcome_on": "2019-03-12"},
            format="json",
        )
    )
    assert cleared["valid_until"] == "2019-09-08"
    assert status_of(case_id) == CaseStatus.MEDICALLY_CLEARED
    step = CaseEvent.objects.get(
        case_id=case_id, kind=EventKind.STATUS_CHANGED, to_status=CaseStatus.MEDICALLY_CLEARED
    )
    assert step.data["event_date"] == "2019-03-12"

    # Orientation in April 2019: enrolling starts it by itself; three days attended.
    curriculum = Curriculum.objects.get(destination_country__iso_code="USA")
    session = ok(
        orientation.post(
            "/api/v1/orientation/sessions/",
            {
                "curriculum": curriculum.pk,
                "start_date": "2019-04-01",
                "venue": "Kiziba community hall",
                "language": "Swahili",
                "facilitator": facilitator.username,
                "capacity": 40,
            },
            format="json",
        )
    )
    ok(
        orientation.post(
            f"/api/v1/orientation/sessions/{session['id']}/enrollments/",
            {"case_number": Case.objects.get(pk=case_id).case_number},
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.ORIENTATION
    for day in session["days"]:
        ok(
            orientation.post(
                f"/api/v1/orientation/sessions/{session['id']}/attendance/",
                {"day": day["number"], "present": [person_id]},
                format="json",
            )
        )

    ok(
        desk.post(
            f"/api/v1/cases/{case_id}/members/{person_id}/documents/",
            {
                "document_type": "passport",
                "number": "OP1234567",
                "issuing_country": "COD",
                "issued_on": "2018-06-01",
                "expires_on": "2023-05-31",
            },
            format="json",
        )
    )
    # Ready to travel on 10 April 2019: the clearance and the passport held then. Asked about
    # today instead, the step is refused (both have expired since), and nothing moves.
    today_asked = desk.post(
        f"/api/v1/cases/{case_id}/transitions/",
        {"transition": "mark_ready_to_travel"},
        format="json",
    )
    assert today_asked.status_code == 409
    assert status_of(case_id) == CaseStatus.ORIENTATION
    ok(
        desk.post(
            f"/api/v1/cases/{case_id}/transitions/",
            {"transition": "mark_ready_to_travel", "context": {"event_date": "2019-04-10"}},
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.READY_TO_TRAVEL

    # The flight of 22 April 2019, its check two days before, the departure and the arrival.
    ok(
        clinic.post(
            "/api/v1/medical/pre-embarkation-checks/",
            {
                "individual": person_id,
                "case": case_id,
                "checked_on": "2019-04-20",
                "planned_departure": "2019-04-22",
                "result": "fit",
            },
            format="json",
        )
    )
    officer = session_client(movement_officer)
    booking = ok(
        officer.post(
            "/api/v1/movements/bookings/",
            {
                "case": case_id,
                "booking_reference": "QR1904",
                "segments": [
                    {
                        "carrier": "Qatar Airways",
                        "flight_number": "QR1356",
                        "from_airport": "KGL",
                        "to_airport": "DOH",
                        "departs_at": "2019-04-22T17:00:00",
                        "from_timezone": "Africa/Kigali",
                        "arrives_at": "2019-04-22T23:55:00",
                        "to_timezone": "Asia/Qatar",
                    },
                    {
                        "carrier": "Qatar Airways",
                        "flight_number": "QR701",
                        "from_airport": "DOH",
                        "to_airport": "JFK",
                        "departs_at": "2019-04-23T08:00:00",
                        "from_timezone": "Asia/Qatar",
                        "arrives_at": "2019-04-23T15:00:00",
                        "to_timezone": "America/New_York",
                    },
                ],
                "travellers": [{"individual": person_id}],
                "recorded_after_the_fact": True,
            },
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.BOOKED
    url = f"/api/v1/movements/bookings/{booking['id']}/"
    ok(
        officer.post(
            f"{url}departure/",
            {"departed_at": "2019-04-22T17:30:00+02:00", "recorded_after_the_fact": True},
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.DEPARTED
    ok(
        officer.post(
            f"{url}arrival/",
            {
                "arrived_on": "2019-04-23",
                "airport": "JFK",
                "receiving_agency": "IRC New York",
                "recorded_after_the_fact": True,
            },
            format="json",
        )
    )
    assert status_of(case_id) == CaseStatus.ARRIVED


def test_the_automatic_step_checks_every_clearance_on_the_day_the_last_one_was_given(clinician):
    """Two travellers: the first cleared in January 2019 (valid until July), the second in
    August. On the second's date the first has expired: the case stays in health assessment."""
    case = case_in(adults=2)
    first, second = case.members.order_by("pk")
    for person, day in ((first, D(2019, 1, 10)), (second, D(2019, 8, 1))):
        assessment = ExaminedAssessmentFactory(
            individual=person, assessed_on=day - datetime.timedelta(days=3)
        )
        services.assessment_record_outcome(
            actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=day
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.HEALTH_ASSESSMENT
    assert not case.events.filter(to_status=CaseStatus.MEDICALLY_CLEARED).exists()


def test_a_clearance_entered_years_later_moves_the_case_on_its_own_date(clinician):
    case = case_in(adults=1)
    day = timezone.localdate() - datetime.timedelta(days=3 * 365)
    assessment = ExaminedAssessmentFactory(
        individual=case.principal, assessed_on=day - datetime.timedelta(days=2)
    )
    services.assessment_record_outcome(
        actor=clinician, assessment=assessment, outcome=Outcome.CLEARED, outcome_on=day
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDICALLY_CLEARED
