"""Readiness and the travel window: one rule, asked by the board, the form, the API and the
workflow, with every reason; the window computed in SQL agrees with the guards date by date."""

import pytest

from cases.choices import CaseStatus
from cases.models import Case
from cases.workflow import TRANSITIONS_BY_NAME, StepContext, registered_guards
from medical.choices import CheckResult
from medical.models import HealthAssessment
from movements import guards
from movements.bookings.selectors import (
    READINESS_GUARDS,
    BoardFilters,
    board_windows,
    case_readiness,
    travel_window,
    travel_windows,
)
from movements.bookings.services import travel_windows_rebuild
from tests.factories import IndividualFactory
from tests.medical.factories import PreEmbarkationCheckFactory
from tests.movements.conftest import TODAY, book, days, ready_case

S = CaseStatus


def test_every_readiness_condition_is_a_guard_of_the_book_step():
    book_guards = TRANSITIONS_BY_NAME["book"].guards
    assert set(READINESS_GUARDS) <= set(book_guards)
    registered = registered_guards()
    for name in ("flight_date_allowed", "no_open_booking", "pre_embarkation_possible"):
        assert registered[name] is getattr(guards, name)


def test_a_ready_case_can_be_booked_inside_its_window(db):
    case = ready_case()
    readiness = case_readiness(case, day=TODAY() + days(20))
    assert readiness.can_book
    assert readiness.window.is_open
    assert readiness.window.contains(TODAY() + days(20))


def test_readiness_lists_every_reason_at_once(movement_officer):
    case = ready_case(adults=2)
    first, second = case.members.all()
    HealthAssessment.objects.filter(individual=first).delete()
    second.documents.all().delete()
    PreEmbarkationCheckFactory(individual=second, result=CheckResult.UNFIT)
    Case.objects.filter(pk=case.pk).update(status=S.ON_HOLD, resume_status=S.READY_TO_TRAVEL)
    case.refresh_from_db()

    readiness = case_readiness(case, day=TODAY() - days(1))

    text = " | ".join(readiness.reasons)
    assert not readiness.can_book
    assert "on hold" in text
    assert f"{first.full_name} has no health clearance" in text
    assert f"No valid travel document on {(TODAY() - days(1)).isoformat()} for" in text
    assert second.full_name in text
    assert "in the past" in text
    assert "unfit" in text
    assert len(readiness.reasons) == 5


def test_an_open_booking_is_a_reason(movement_officer):
    case = ready_case()
    book(case, movement_officer)
    case.refresh_from_db()
    readiness = case_readiness(case, day=TODAY() + days(30))
    assert any("already has a booking" in r for r in readiness.reasons)


def test_the_window_says_who_and_what_closes_it(db):
    case = ready_case(adults=2)
    first, second = case.members.all()
    HealthAssessment.objects.filter(individual=second).update(valid_until=TODAY() + days(9))
    first.documents.update(expires_on=TODAY() + days(50))

    window = travel_window(case)

    assert (window.opens, window.closes) == (TODAY(), TODAY() + days(9))
    assert window.closing_kind == "clearance"
    assert window.closing_person == second.full_name
    assert second.full_name in window.closing_reason


def test_the_window_closes_at_a_document_expiry_and_opens_at_the_latest_valid_from(db):
    case = ready_case(adults=1)
    person = case.members.get()
    person.documents.update(issued_on=TODAY() + days(5), expires_on=TODAY() + days(40))

    window = travel_window(case)

    assert (window.opens, window.closes, window.closing_kind) == (
        TODAY() + days(5),
        TODAY() + days(40),
        "document",
    )


def test_no_window_without_a_clearance_or_a_document(db):
    case = ready_case(adults=2)
    first, _second = case.members.all()
    HealthAssessment.objects.filter(individual=first).delete()

    window = travel_window(case)

    assert not window.is_open
    assert window.uncleared == 1
    assert "without a valid clearance" in window.closing_reason


@pytest.mark.parametrize("offset", [0, 1, 9, 10, 39, 40, 41, 100])
def test_the_sql_window_and_the_guards_agree_day_by_day(db, offset):
    case = ready_case(adults=2, document_until=TODAY() + days(40))
    _first, second = case.members.all()
    HealthAssessment.objects.filter(individual=second).update(valid_until=TODAY() + days(60))
    window = travel_window(case)
    day = TODAY() + days(offset)

    guards_pass = not any(
        registered_guards()[name](case, StepContext(departure_date=day))
        for name in ("travellers_medically_cleared", "travel_documents_present")
    )

    assert window.contains(day) == guards_pass


def test_windows_for_many_cases_take_one_query(db, django_assert_num_queries):
    cases = [ready_case(adults=1) for _ in range(6)]
    with django_assert_num_queries(1):
        windows = travel_windows([c.pk for c in cases])
    assert len(windows) == 6
    assert all(w.is_open for w in windows.values())


def test_the_board_sections_filter_by_destination_and_camp_and_closing_days(movement_officer):
    soon = ready_case(adults=1, cleared_until=TODAY() + days(5))
    later = ready_case(adults=1)
    booked = ready_case(adults=1)
    book(booked, movement_officer)

    ready = board_windows(filters=BoardFilters(), section="ready")
    assert [w.case_id for w in ready] == [soon.pk, later.pk]
    assert ready[0].principal == soon.principal.full_name
    closing = board_windows(filters=BoardFilters(closing_within_days=7), section="closing")
    assert [w.case_id for w in closing] == [soon.pk]
    other_camp = board_windows(
        filters=BoardFilters(location_id=soon.location_id + 1000), section="ready"
    )
    assert other_camp == []
    same_destination = board_windows(
        filters=BoardFilters(destination_id=soon.destination_country_id), section="ready"
    )
    assert len(same_destination) == 2


def test_the_database_keeps_each_window_whoever_writes(db):
    case = ready_case(adults=2)
    first, second = case.members.all()
    assert travel_window(case).closes == TODAY() + days(170)

    # A bulk update (no service, no signal) of a document moves the window at once.
    second.documents.update(expires_on=TODAY() + days(12))
    assert (travel_window(case).closes, travel_window(case).closing_kind) == (
        TODAY() + days(12),
        "document",
    )
    # A new member without a clearance or document leaves the case without a window.
    IndividualFactory(case=case)
    assert not travel_window(case).is_open
    case.members.filter(pk__gt=second.pk).delete()
    assert travel_window(case).is_open
    # A clearance withdrawn, then the rebuild gives the same answer as the triggers.
    HealthAssessment.objects.filter(individual=first).update(outcome="deferred", valid_until=None)
    kept = travel_window(case)
    assert kept.uncleared == 1
    travel_windows_rebuild()
    assert travel_window(case) == kept
