"""Bookings, cancelling, departure, arrival, transit and escorts, through the services: each
rule with its refusal, and a refusal changes nothing."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import CaseEvent
from core.errors import ApplicationError, NotPermitted, TransitionRefused
from medical.choices import CheckResult, TravelCondition
from medical.models import HealthAssessment
from movements.bookings import services
from movements.choices import BookingStatus
from movements.models import (
    Arrival,
    Booking,
    Departure,
    Escort,
    FlightSegment,
    TransitStay,
    Traveller,
)
from tests.medical.factories import PreEmbarkationCheckFactory
from tests.movements.conftest import (
    TODAY,
    book,
    days,
    everyone,
    fit_checks,
    ready_case,
    segment,
    today_flight,
)

S = CaseStatus


def nothing_written(case):
    case.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL
    assert not Booking.objects.filter(case=case).exists()
    assert not FlightSegment.objects.filter(booking__case=case).exists()
    assert not Traveller.objects.filter(booking__case=case).exists()
    assert not CaseEvent.objects.filter(case=case, transition="book").exists()


def test_booking_a_ready_case_stores_the_flight_and_moves_the_case(movement_officer):
    case = ready_case(adults=2, children=1)
    day = TODAY() + days(20)

    booking = book(case, movement_officer, day=day, travellers=everyone(case, tickets=True))

    case.refresh_from_db()
    assert case.status == S.BOOKED
    assert booking.departure_date == day
    assert booking.status == BookingStatus.BOOKED
    assert booking.travellers.count() == 3
    (seg,) = booking.segments.all()
    # 22:00 in Kigali is 20:00 UTC; 06:00 in Brussels (winter or summer) is 04:00 or 05:00 UTC.
    assert seg.departs_at.astimezone(datetime.UTC).hour == 20
    assert seg.to_timezone == "Europe/Brussels"
    event = case.events.get(transition="book")
    assert event.data["departure_date"] == day.isoformat()
    assert event.data["booking_id"] == booking.pk
    assert "SN466" in event.reason and day.isoformat() in event.reason


def test_a_booking_that_leaves_a_member_out_is_refused(movement_officer):
    case = ready_case(adults=2)
    first, second = case.members.all()

    with pytest.raises(ApplicationError) as refused:
        book(case, movement_officer, travellers=[{"individual": first.pk}])

    assert refused.value.field == "travellers"
    assert second.full_name in str(refused.value.message)
    nothing_written(case)


def test_a_segment_landing_before_take_off_is_refused(movement_officer):
    case = ready_case()
    bad = segment(TODAY() + days(10), dep=22, arr=20, next_day=False)

    with pytest.raises(ApplicationError) as refused:
        book(case, movement_officer, segments=[bad])

    assert refused.value.field == "segments[0].arrives_at"
    nothing_written(case)


def test_the_database_refuses_a_segment_that_lands_before_it_takes_off(movement_officer):
    case = ready_case()
    booking = book(case, movement_officer)
    seg = booking.segments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        FlightSegment.objects.filter(pk=seg.pk).update(arrives_at=seg.departs_at)


def test_a_flight_date_in_the_past_is_refused(movement_officer):
    case = ready_case()

    with pytest.raises(TransitionRefused) as refused:
        book(case, movement_officer, day=TODAY() - days(3))

    assert any("in the past" in r for r in refused.value.reasons)
    nothing_written(case)


def test_a_flight_date_outside_the_window_names_what_expires(movement_officer):
    day = TODAY() + days(40)
    case = ready_case(cleared_until=TODAY() + days(30))

    with pytest.raises(TransitionRefused) as refused:
        book(case, movement_officer, day=day)

    assert any("clearance expires" in r for r in refused.value.reasons)
    nothing_written(case)


def test_booking_a_case_that_is_not_ready_lists_every_reason(movement_officer):
    case = ready_case(adults=1)
    HealthAssessment.objects.filter(individual__case=case).delete()
    case.members.get().documents.all().delete()

    with pytest.raises(TransitionRefused) as refused:
        book(case, movement_officer)

    reasons = " ".join(refused.value.reasons)
    assert "no health clearance" in reasons
    assert "No valid travel document" in reasons
    nothing_written(case)


def test_a_medical_escort_is_required_when_a_clearance_says_so(movement_officer):
    case = ready_case(adults=1)
    HealthAssessment.objects.filter(individual__case=case).update(
        outcome="cleared_with_conditions", conditions=[TravelCondition.MEDICAL_ESCORT]
    )

    with pytest.raises(TransitionRefused) as refused:
        book(case, movement_officer)
    assert any("medical escort" in r for r in refused.value.reasons)
    nothing_written(case)

    booking = book(case, movement_officer, escorts=[{"name": "Dr. Uwimana", "role": "medical"}])
    assert booking.escorts.get().role == "medical"


def test_one_open_booking_per_case_is_enforced_by_the_database(movement_officer):
    case = ready_case()
    booking = book(case, movement_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(case=case, departure_date=booking.departure_date)


def test_only_movement_officers_book(caseworker):
    case = ready_case()
    with pytest.raises(NotPermitted):
        book(case, caseworker)
    nothing_written(case)


def test_cancelling_returns_the_case_to_ready_and_rebooking_keeps_the_history(movement_officer):
    case = ready_case()
    first = book(case, movement_officer)

    services.booking_cancel(actor=movement_officer, booking=first, reason="Flight withdrawn")

    case.refresh_from_db()
    first.refresh_from_db()
    assert case.status == S.READY_TO_TRAVEL
    assert (first.status, first.cancelled_reason) == (BookingStatus.CANCELLED, "Flight withdrawn")
    assert "Flight withdrawn" in case.events.get(transition="cancel_booking").reason

    second = book(case, movement_officer, day=TODAY() + days(25))
    assert set(Booking.objects.filter(case=case).values_list("status", flat=True)) == {
        BookingStatus.CANCELLED,
        BookingStatus.BOOKED,
    }
    assert second.pk != first.pk


def test_a_cancel_without_reason_is_refused(movement_officer):
    case = ready_case()
    booking = book(case, movement_officer)
    with pytest.raises(ApplicationError):
        services.booking_cancel(actor=movement_officer, booking=booking, reason=" ")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_ticketing_needs_every_ticket_number(movement_officer):
    case = ready_case(adults=2)
    booking = book(case, movement_officer)
    first, second = case.members.all()

    with pytest.raises(ApplicationError):
        services.booking_update(
            actor=movement_officer, booking=booking, tickets={first.pk: "0821"}, status="ticketed"
        )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert not booking.travellers.exclude(ticket_number="").exists()

    services.booking_update(
        actor=movement_officer,
        booking=booking,
        tickets={first.pk: "0821", second.pk: "0822"},
        status="ticketed",
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.TICKETED
    assert case.events.filter(kind="movement", reason__contains="ticket").exists()


# --- Departure and arrival ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _at_noon(noon):
    return noon


def booked_today(actor, **kwargs):
    case = ready_case(**kwargs)
    booking = book(case, actor, day=TODAY(), segments=today_flight())
    return case, booking


def test_departure_needs_a_fit_check_inside_the_window(movement_officer):
    case, booking = booked_today(movement_officer)

    with pytest.raises(TransitionRefused) as refused:
        services.departure_record(actor=movement_officer, booking=booking)
    assert any("No pre-embarkation check between" in r for r in refused.value.reasons)
    assert not Departure.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED

    fit_checks(case, on=TODAY() - days(30))  # too early for the protocol's window
    with pytest.raises(TransitionRefused):
        services.departure_record(actor=movement_officer, booking=booking)

    fit_checks(case, on=TODAY())
    departure = services.departure_record(actor=movement_officer, booking=booking)
    case.refresh_from_db()
    assert case.status == S.DEPARTED
    assert departure.departed_on == TODAY()
    assert (departure.location_id, departure.destination_country_id) == (
        case.location_id,
        case.destination_country_id,
    )
    assert departure.movement_type_id == case.movement_type_id
    booking.refresh_from_db()
    assert booking.status == BookingStatus.FLOWN


def test_an_unfit_traveller_stops_departure(movement_officer):
    case, booking = booked_today(movement_officer, adults=2)
    first, second = case.members.all()
    for person, result in ((first, CheckResult.FIT), (second, CheckResult.UNFIT)):
        PreEmbarkationCheckFactory(
            individual=person, checked_on=TODAY(), planned_departure=TODAY(), result=result
        )

    with pytest.raises(TransitionRefused) as refused:
        services.departure_record(actor=movement_officer, booking=booking)
    assert second.full_name in " ".join(refused.value.reasons)
    assert not Departure.objects.exists()


def test_departure_without_a_required_medical_escort_is_refused(movement_officer):
    case, booking = booked_today(movement_officer, adults=1)
    fit_checks(case, result=CheckResult.FIT_WITH_ESCORT)

    with pytest.raises(TransitionRefused) as refused:
        services.departure_record(actor=movement_officer, booking=booking)
    assert any("medical escort" in r for r in refused.value.reasons)

    services.escort_assign(
        actor=movement_officer, booking=booking, kind="hired", role="medical", name="Nurse Ange"
    )
    services.departure_record(actor=movement_officer, booking=booking)
    case.refresh_from_db()
    assert case.status == S.DEPARTED


def test_a_departure_ahead_of_time_or_in_the_past_on_the_day_is_refused(movement_officer):
    case, booking = booked_today(movement_officer)
    fit_checks(case)
    with pytest.raises(ApplicationError) as refused:
        services.departure_record(
            actor=movement_officer, booking=booking, departed_at=timezone.now() + days(1)
        )
    assert refused.value.field == "departed_at"
    with pytest.raises(ApplicationError):
        services.departure_record(
            actor=movement_officer, booking=booking, departed_at=timezone.now() - days(2)
        )
    assert not Departure.objects.exists()


def test_arrival_closes_the_movement_and_cannot_precede_the_departure(movement_officer, noon):
    case, booking = booked_today(movement_officer)
    fit_checks(case)
    services.departure_record(actor=movement_officer, booking=booking)
    noon.shift(datetime.timedelta(hours=10))  # landed at 20:00 in Brussels

    with pytest.raises(ApplicationError) as refused:
        services.arrival_record(
            actor=movement_officer,
            booking=booking,
            arrived_on=TODAY() - days(1),
            airport="BRU",
            receiving_agency="Fedasil",
        )
    assert refused.value.field == "arrived_on"
    assert not Arrival.objects.exists()

    services.arrival_record(
        actor=movement_officer,
        booking=booking,
        arrived_on=TODAY(),
        airport="bru",
        receiving_agency="Fedasil",
    )
    case.refresh_from_db()
    assert case.status == S.ARRIVED
    assert Arrival.objects.get().airport == "BRU"
    assert "Fedasil" in case.events.get(transition="arrive").reason


def test_the_database_refuses_an_arrival_before_its_departure(movement_officer):
    case, booking = booked_today(movement_officer)
    fit_checks(case)
    services.departure_record(actor=movement_officer, booking=booking)
    with pytest.raises(IntegrityError), transaction.atomic():
        Arrival.objects.create(
            booking=booking,
            case=case,
            arrived_on=TODAY() - days(5),
            airport="BRU",
            receiving_agency="x",
        )


# --- History entered after the fact ----------------------------------------------------------


def test_history_is_recorded_after_the_fact_with_checks_on_the_events_dates(movement_officer):
    flight = TODAY() - days(400)
    case = ready_case(adults=1)
    person = case.members.get()
    # What held then: a clearance valid on the flight date (and since expired).
    HealthAssessment.objects.filter(individual=person).update(
        outcome_on=flight - days(60), valid_until=flight + days(30)
    )
    person.documents.update(issued_on=flight - days(300), expires_on=flight + days(100))
    fit_checks(case, on=flight - days(1))

    booking = book(case, movement_officer, day=flight, recorded_after_the_fact=True)
    departure = services.departure_record(
        actor=movement_officer,
        booking=booking,
        departed_at=timezone.make_aware(datetime.datetime.combine(flight, datetime.time(22))),
        recorded_after_the_fact=True,
    )
    services.arrival_record(
        actor=movement_officer,
        booking=booking,
        arrived_on=flight + days(1),
        airport="BRU",
        receiving_agency="Fedasil",
        recorded_after_the_fact=True,
    )

    case.refresh_from_db()
    assert case.status == S.ARRIVED
    assert departure.departed_on == flight
    reasons = list(case.events.filter(kind="status_changed").values_list("reason", flat=True))
    assert sum("Recorded after the fact" in r for r in reasons) == 3


def test_history_is_still_checked_on_its_own_date(movement_officer):
    flight = TODAY() - days(400)
    case = ready_case(adults=1)  # cleared ten days ago: not valid on the old flight's date
    HealthAssessment.objects.filter(individual__case=case).update(valid_until=flight - days(1))

    with pytest.raises(TransitionRefused) as refused:
        book(case, movement_officer, day=flight, recorded_after_the_fact=True)
    assert any(flight.isoformat() in r for r in refused.value.reasons)
    nothing_written(case)


# --- Transit and escorts ---------------------------------------------------------------------


def test_transit_check_in_and_out_are_on_the_timeline(movement_officer):
    case = ready_case()
    book(case, movement_officer)

    stay = services.transit_check_in(actor=movement_officer, case=case)
    with pytest.raises(ApplicationError):
        services.transit_check_in(actor=movement_officer, case=case)
    services.transit_check_out(actor=movement_officer, stay=stay)

    stay.refresh_from_db()
    assert stay.checked_out_at is not None
    reasons = list(case.events.filter(kind="movement").values_list("reason", flat=True))
    assert any("Checked in" in r for r in reasons) and any("Checked out" in r for r in reasons)
    assert TransitStay.objects.count() == 1


def test_a_household_that_is_not_booked_cannot_check_in(movement_officer):
    case = ready_case()
    with pytest.raises(ApplicationError):
        services.transit_check_in(actor=movement_officer, case=case)
    assert not TransitStay.objects.exists()


def test_escorts_are_recognised_when_sent_twice(movement_officer):
    case = ready_case()
    booking = book(case, movement_officer)
    services.escort_assign(
        actor=movement_officer, booking=booking, kind="staff", role="operational", name="Eric"
    )
    with pytest.raises(ApplicationError) as refused:
        services.escort_assign(
            actor=movement_officer, booking=booking, kind="staff", role="operational", name="Eric"
        )
    assert refused.value.code == "duplicate"
    assert Escort.objects.count() == 1


@pytest.mark.parametrize("moment", ["departs_at", "arrives_at"])
def test_a_flight_time_outside_the_office_s_years_is_refused_by_the_service(
    movement_officer, moment
):
    case = ready_case()
    flight = segment(TODAY() + days(10))
    flight[moment] = flight[moment].replace(year=1)
    with pytest.raises(ApplicationError) as refused:
        services.booking_create(
            actor=movement_officer,
            case=case.pk,
            segments=[flight],
            travellers=everyone(case),
        )
    assert refused.value.field == f"segments[0].{moment}"
    assert not Booking.objects.exists()


def test_an_escort_of_a_flight_that_left_stays_through_the_service_and_the_page(
    movement_officer, client
):
    case, booking = booked_today(movement_officer, adults=1)
    fit_checks(case)
    escort = services.escort_assign(
        actor=movement_officer, booking=booking, kind="staff", role="operational", name="Jean"
    )
    services.departure_record(actor=movement_officer, booking=booking)
    events_before = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(ApplicationError) as refused:
        services.escort_remove(actor=movement_officer, escort=escort)
    assert refused.value.code == "departed"

    client.force_login(movement_officer)
    response = client.post(f"/movements/escorts/{escort.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert "flight that has left" in response.content.decode()
    assert Escort.objects.filter(pk=escort.pk).exists()
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_an_escort_of_an_open_booking_is_removed_and_the_timeline_says_so(movement_officer):
    case, booking = booked_today(movement_officer, adults=1)
    escort = services.escort_assign(
        actor=movement_officer, booking=booking, kind="staff", role="operational", name="Jean"
    )
    events_before = CaseEvent.objects.filter(case=case).count()
    services.escort_remove(actor=movement_officer, escort=escort)
    assert not Escort.objects.filter(pk=escort.pk).exists()
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1


def test_a_booking_or_check_in_that_loses_a_race_to_the_database_is_a_409_duplicate():
    from movements.bookings.services import _integrity

    for constraint in ("one_open_booking_per_case", "one_open_transit_stay_per_case"):
        refusal = _integrity(IntegrityError(f'violates unique constraint "{constraint}"'))
        assert (refusal.status_code, refusal.code, refusal.field) == (409, "duplicate", "case")
    ticket = _integrity(IntegrityError('violates unique constraint "ticket_number_unique"'))
    assert (ticket.status_code, ticket.field) == (400, "travellers")
