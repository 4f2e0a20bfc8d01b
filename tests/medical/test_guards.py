"""The workflow guards the clinic owns: cleared for the departure date, fit to travel."""

import datetime

import pytest
from django.utils import timezone

from cases import workflow
from cases.choices import CaseStatus
from cases.models import CaseEvent
from cases.workflow import case_transition
from core.errors import TransitionRefused
from medical.choices import CheckResult, Outcome
from medical.guards import fit_to_travel, travellers_medically_cleared
from movements.bookings.selectors import case_readiness
from tests.factories import TravelDocumentFactory
from tests.medical.conftest import case_in
from tests.medical.factories import (
    ClearedAssessmentFactory,
    HealthAssessmentFactory,
    PreEmbarkationCheckFactory,
)

TODAY = timezone.localdate


def days(n):
    return datetime.timedelta(days=n)


def test_the_clinics_guards_are_registered_with_the_workflow():
    guards = workflow.registered_guards()
    assert guards["travellers_medically_cleared"] is travellers_medically_cleared
    assert guards["fit_to_travel"] is fit_to_travel


def test_a_case_whose_travellers_all_hold_valid_clearances_is_cleared(db):
    case = case_in(adults=2)
    for person in case.members.all():
        ClearedAssessmentFactory(individual=person)

    assert travellers_medically_cleared(case, {}) is None
    assert travellers_medically_cleared(case, {"departure_date": TODAY() + days(100)}) is None


def test_the_refusal_names_who_has_no_clearance_and_who_is_deferred(db):
    case = case_in(adults=3)
    first, second, third = case.members.all()
    ClearedAssessmentFactory(individual=first)
    HealthAssessmentFactory(individual=second, outcome=Outcome.DEFERRED, outcome_on=TODAY())

    reason = travellers_medically_cleared(case, {})

    assert first.full_name not in reason
    assert f"{second.full_name} is medically deferred" in reason
    assert f"{third.full_name} has no health clearance" in reason


def test_the_refusal_says_when_a_clearance_expires_before_the_departure(db):
    case = case_in(adults=1)
    ClearedAssessmentFactory(individual=case.principal, valid_until=datetime.date(2026, 5, 1))

    reason = travellers_medically_cleared(case, {"departure_date": datetime.date(2026, 6, 10)})

    assert reason == (
        "Amani Mugisha's clearance expires on 2026-05-01, before the departure on 2026-06-10."
    )


def test_a_clearance_for_another_programme_does_not_count(db):
    case = case_in(adults=1)
    from cases.models import Programme

    ClearedAssessmentFactory(
        individual=case.principal, programme=Programme.objects.get(code="CA-GAR")
    )
    assert "Amani Mugisha has no health clearance" in travellers_medically_cleared(case, {})


def _ready_to_book(case, actor):
    CaseEvent.objects.create(case=case, kind="status_changed", to_status=CaseStatus.APPROVED)
    for person in case.members.all():
        TravelDocumentFactory(individual=person)


@pytest.fixture
def orientation_done(monkeypatch):
    """The orientation app's guard made to pass: that app tests its own."""
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)


def test_an_expired_clearance_blocks_booking_naming_who_and_when(
    movement_officer, orientation_done
):
    case = case_in(CaseStatus.READY_TO_TRAVEL, adults=2)
    principal, spouse = case.members.all()
    _ready_to_book(case, movement_officer)
    ClearedAssessmentFactory(individual=principal)
    departure = TODAY() + days(30)
    ClearedAssessmentFactory(individual=spouse, valid_until=departure - days(1))

    with pytest.raises(TransitionRefused) as refused:
        case_transition(
            case=case,
            transition="book",
            actor=movement_officer,
            context={"departure_date": departure},
        )

    (reason,) = [r for r in refused.value.reasons if "clearance" in r]
    assert spouse.full_name in reason
    assert (departure - days(1)).isoformat() in reason
    assert departure.isoformat() in reason
    assert principal.full_name not in reason
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_TRAVEL
    assert not CaseEvent.objects.filter(case=case, transition="book").exists()


def test_valid_clearances_let_the_case_be_booked(movement_officer, orientation_done):
    case = case_in(CaseStatus.READY_TO_TRAVEL, adults=2)
    _ready_to_book(case, movement_officer)
    for person in case.members.all():
        ClearedAssessmentFactory(individual=person)

    # Booked through the movements app, whose "book" step runs this guard (tests/movements).
    readiness = case_readiness(case, day=TODAY() + days(30))

    assert readiness.reasons == []


def test_fit_to_travel_names_who_has_no_check_and_who_was_found_unfit(db):
    case = case_in(adults=3)
    fit, unfit, unchecked = case.members.all()
    PreEmbarkationCheckFactory(individual=fit)
    PreEmbarkationCheckFactory(individual=unfit, result=CheckResult.UNFIT)

    reason = fit_to_travel(case, {})

    assert fit.full_name not in reason
    assert f"unfit to travel at the pre-embarkation check: {unfit.full_name}" in reason
    assert f"No pre-embarkation check is recorded for: {unchecked.full_name}" in reason


def test_only_the_latest_check_counts(db):
    case = case_in(adults=1)
    PreEmbarkationCheckFactory(
        individual=case.principal, result=CheckResult.UNFIT, checked_on=TODAY() - days(1)
    )
    PreEmbarkationCheckFactory(individual=case.principal, result=CheckResult.FIT_WITH_ESCORT)

    assert fit_to_travel(case, {}) is None


def test_an_unfit_traveller_stops_the_departure(movement_officer):
    case = case_in(CaseStatus.BOOKED, adults=2)
    first, second = case.members.all()
    PreEmbarkationCheckFactory(individual=first)
    PreEmbarkationCheckFactory(individual=second, result=CheckResult.UNFIT)

    with pytest.raises(TransitionRefused) as refused:
        case_transition(case=case, transition="depart", actor=movement_officer)

    assert second.full_name in refused.value.reasons[0]
    case.refresh_from_db()
    assert case.status == CaseStatus.BOOKED
