import datetime

import pytest
import time_machine
from django.utils import timezone

from cases import workflow
from cases.choices import CaseStatus, EventKind
from cases.models import CaseEvent
from movements.bookings import services
from tests.factories import TravelDocumentFactory
from tests.medical.conftest import case_in
from tests.medical.factories import ClearedAssessmentFactory, PreEmbarkationCheckFactory

S = CaseStatus
TODAY = timezone.localdate


def days(n):
    return datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def orientation_done(monkeypatch):
    """The orientation app's guard made to pass: that app tests its own."""
    monkeypatch.setitem(workflow._guards, "orientation_completed", lambda case, context: None)


@pytest.fixture
def noon():
    """The clock at noon in Kigali today, ticking: a flight taking off at 13:00 today is in its
    check-in window (4 hours), and has not left."""
    start = timezone.make_aware(datetime.datetime.combine(TODAY(), datetime.time(12)))
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


def today_flight(*, dep=13, arr=20):
    """A flight today from Kigali at `dep`:00 landing in Brussels at `arr`:00 the same day."""
    return [segment(TODAY(), dep=dep, arr=arr, next_day=False)]


def boarded(case) -> dict:
    """The departure form's "boarded" boxes, every member ticked."""
    return {f"boarded_{m.pk}": "on" for m in case.members.all()}


def ready_case(*, adults=2, children=0, cleared_until=None, document_until=None, **kwargs):
    """A US case at "ready to travel": approved, every member cleared and documented."""
    case = case_in(S.READY_TO_TRAVEL, adults=adults, children=children, **kwargs)
    CaseEvent.objects.create(case=case, kind=EventKind.STATUS_CHANGED, to_status=S.APPROVED)
    for person in case.members.all():
        extra = {"valid_until": cleared_until} if cleared_until else {}
        ClearedAssessmentFactory(individual=person, **extra)
        doc = {"expires_on": document_until} if document_until else {}
        TravelDocumentFactory(individual=person, **doc)
    return case


def local(day: datetime.date, hour: int, zone: str = "Africa/Kigali"):
    """A naive time on an airport's clock (what the booking form sends)."""
    return datetime.datetime.combine(day, datetime.time(hour, 0))


def segment(day, *, from_airport="KGL", to_airport="BRU", dep=22, arr=6, next_day=True):
    return {
        "carrier": "Brussels Airlines",
        "flight_number": "SN466",
        "from_airport": from_airport,
        "to_airport": to_airport,
        "departs_at": local(day, dep),
        "from_timezone": "Africa/Kigali",
        "arrives_at": local(day + days(1 if next_day else 0), arr),
        "to_timezone": "Europe/Brussels",
    }


def everyone(case, tickets=False):
    return [
        {"individual": m.pk, "ticket_number": f"082{m.pk:010d}" if tickets else ""}
        for m in case.members.all()
    ]


def book(case, actor, day=None, **kwargs):
    day = day or TODAY() + days(20)
    kwargs.setdefault("segments", [segment(day)])
    kwargs.setdefault("travellers", everyone(case))
    return services.booking_create(actor=actor, case=case, booking_reference="ABC123", **kwargs)


def fit_checks(case, on=None, result="fit"):
    for person in case.members.all():
        PreEmbarkationCheckFactory(
            individual=person,
            checked_on=on or TODAY(),
            planned_departure=on or TODAY(),
            result=result,
        )
