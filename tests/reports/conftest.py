"""A small world with known figures for last year (YEAR), and records just outside it.

The expected figures of each table are worked out in the tests from the plain descriptions
below (who departed when, from where, born when), never from the report's own SQL.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.choices import InterviewKind, InterviewOutcome, Relationship
from cases.models import Country, Location, MovementType, Programme
from medical.choices import AssessmentGroup
from movements.models import Booking, Departure, Traveller
from orientation.models import Attendance, Curriculum, Enrollment, OrientationSession, SessionDay
from tests.factories import CaseFactory, IndividualFactory, InterviewFactory
from tests.medical.factories import (
    HealthAssessmentFactory,
    PreEmbarkationCheckFactory,
    VaccinationFactory,
)

KIGALI = ZoneInfo("Africa/Kigali")
YEAR = timezone.localdate().year - 1


def d(year, month, day):
    return datetime.date(year, month, day)


@dataclass
class Person:
    sex: str
    born: datetime.date
    relationship: str = Relationship.CHILD


# case name: camp, destination ISO, movement type code, members, departure date (or None)
HOUSEHOLDS = {
    "c1": (
        "Mahama",
        "USA",
        "refugee_resettlement",
        [
            Person("F", d(YEAR - 30, 1, 1), Relationship.PRINCIPAL_APPLICANT),
            Person("M", d(YEAR - 3, 1, 1)),
        ],
        d(YEAR, 6, 15),
    ),
    "c2": (
        "Kiziba",
        "CAN",
        "family_reunification",
        [
            Person("M", d(YEAR - 65, 1, 1), Relationship.PRINCIPAL_APPLICANT),
            Person("F", d(YEAR - 40, 1, 1), Relationship.SPOUSE),
            Person("F", d(YEAR - 10, 1, 1)),
        ],
        d(YEAR, 12, 31),
    ),
    # Departed on New Year's Day of the next year: not in YEAR.
    "c3": (
        "Mahama",
        "CAN",
        "refugee_resettlement",
        [Person("M", d(YEAR - 20, 1, 1), Relationship.PRINCIPAL_APPLICANT)],
        d(YEAR + 1, 1, 1),
    ),
    # Departed on the last day of the year before.
    "c4": (
        "Mahama",
        "USA",
        "refugee_resettlement",
        [Person("F", d(YEAR - 25, 1, 1), Relationship.PRINCIPAL_APPLICANT)],
        d(YEAR - 1, 12, 31),
    ),
    # Not departed.
    "c5": (
        "Kigeme",
        "USA",
        "refugee_resettlement",
        [Person("M", d(YEAR - 33, 1, 1), Relationship.PRINCIPAL_APPLICANT)],
        None,
    ),
}


@dataclass
class World:
    cases: dict
    people: dict  # case name -> [Individual]


def _at(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=KIGALI)


def depart(case, on: datetime.date, people):
    booking = Booking.objects.create(case=case, status="flown", departure_date=on)
    for person in people:
        Traveller.objects.create(booking=booking, individual=person)
    return Departure.objects.create(
        booking=booking,
        case=case,
        departed_on=on,
        departed_at=_at(on.year, on.month, on.day, 21),
        location=case.location,
        destination_country=case.destination_country,
        movement_type=case.movement_type,
    )


def _session(curriculum, start, facilitator, people_present_by_day, enrolled):
    session = OrientationSession.objects.create(
        curriculum=curriculum,
        start_date=start,
        venue="Mahama hall",
        language="Kinyarwanda",
        facilitator=facilitator,
        capacity=30,
    )
    days = [
        SessionDay.objects.create(session=session, number=n + 1, date=start + datetime.timedelta(n))
        for n in range(3)
    ]
    enrollments = {p.pk: Enrollment.objects.create(session=session, individual=p) for p in enrolled}
    for n, day in enumerate(days):
        present = people_present_by_day.get(n + 1, [])
        for person in enrolled:
            Attendance.objects.create(
                enrollment=enrollments[person.pk], day=day, present=person in present
            )
    return session


@pytest.fixture
def world(db, facilitator):
    cases, people = {}, {}
    for name, (camp, iso, movement, members, departed_on) in HOUSEHOLDS.items():
        country = Country.objects.get(iso_code=iso)
        case = CaseFactory(
            principal=False,
            location=Location.objects.get(name=camp),
            destination_country=country,
            programme=Programme.objects.filter(country=country).order_by("code").first(),
            movement_type=MovementType.objects.get(code=movement),
        )
        people[name] = [
            IndividualFactory(
                case=case, sex=m.sex, date_of_birth=m.born, relationship=m.relationship
            )
            for m in members
        ]
        cases[name] = case
        if departed_on:
            depart(case, departed_on, people[name])
    c1, c2, c3 = people["c1"], people["c2"], people["c3"]
    usa = Programme.objects.get(code="USRAP")
    can = Programme.objects.get(code="CA-GAR")
    # Health assessments: 2 USA refugee, 1 CAN immigrant, 1 CAN refugee in YEAR.
    for person in c1:
        HealthAssessmentFactory(individual=person, programme=usa, assessed_on=d(YEAR, 3, 1))
    HealthAssessmentFactory(
        individual=c2[0], programme=can, group=AssessmentGroup.IMMIGRANT, assessed_on=d(YEAR, 2, 1)
    )
    HealthAssessmentFactory(individual=c2[1], programme=can, assessed_on=d(YEAR, 12, 31))
    HealthAssessmentFactory(individual=c3[0], programme=can, assessed_on=d(YEAR + 1, 1, 1))
    HealthAssessmentFactory(individual=c2[2], programme=can, assessed_on=None)
    # Interviews: counted by the local (Kigali) date of the appointment, completed only.
    completed = InterviewOutcome.COMPLETED
    InterviewFactory(
        case=cases["c1"],
        kind=InterviewKind.PRE_SCREENING,
        outcome=completed,
        scheduled_for=_at(YEAR, 1, 1, 0, 30),  # 22:30 UTC the day before: still YEAR here
    )
    InterviewFactory(
        case=cases["c2"],
        kind=InterviewKind.PRE_SCREENING,
        outcome=completed,
        scheduled_for=_at(YEAR, 5, 5),
    )
    InterviewFactory(
        case=cases["c2"],
        kind=InterviewKind.ADJUDICATION,
        outcome=completed,
        scheduled_for=_at(YEAR, 7, 7),
    )
    InterviewFactory(
        case=cases["c1"],
        kind=InterviewKind.ADJUDICATION,
        outcome=InterviewOutcome.NO_SHOW,
        scheduled_for=_at(YEAR, 7, 8),
    )
    InterviewFactory(
        case=cases["c3"],
        kind=InterviewKind.PRE_SCREENING,
        outcome=completed,
        scheduled_for=_at(YEAR + 1, 1, 1, 0, 30),  # YEAR in UTC, next year in Kigali
    )
    # Orientation: USA session (c1's principal present one day), CAN session (c2's adults),
    # an empty USA session (not held), a session that started the year before.
    usa_curriculum = Curriculum.objects.get(destination_country__iso_code="USA")
    can_curriculum = Curriculum.objects.get(destination_country__iso_code="CAN")
    _session(usa_curriculum, d(YEAR, 4, 1), facilitator, {1: [c1[0]]}, [c1[0]])
    _session(can_curriculum, d(YEAR, 4, 10), facilitator, {1: c2[:2], 2: c2[:2], 3: [c2[0]]}, c2)
    _session(usa_curriculum, d(YEAR, 9, 1), facilitator, {}, [people["c5"][0]])
    _session(usa_curriculum, d(YEAR - 1, 12, 30), facilitator, {1: [c1[0]]}, [c1[0]])
    # Vaccinations: c1's child twice, c2's child once in YEAR; one the next year.
    VaccinationFactory(individual=c1[1], given_on=d(YEAR, 3, 2))
    VaccinationFactory(individual=c1[1], given_on=d(YEAR, 4, 2), dose=2)
    VaccinationFactory(individual=c2[2], given_on=d(YEAR, 3, 3))
    VaccinationFactory(individual=c3[0], given_on=d(YEAR + 1, 1, 1))
    # Pre-embarkation checks.
    for person, result, on in [
        (c1[0], "fit", d(YEAR, 6, 13)),
        (c1[1], "fit", d(YEAR, 6, 13)),
        (c2[0], "fit_with_escort", d(YEAR, 12, 29)),
        (c2[1], "unfit", d(YEAR, 12, 29)),
        (c2[1], "fit", d(YEAR, 12, 30)),
        (c3[0], "fit", d(YEAR + 1, 1, 1)),
    ]:
        PreEmbarkationCheckFactory(
            individual=person,
            programme=person.case.programme,
            checked_on=on,
            planned_departure=on + datetime.timedelta(days=1),
            result=result,
        )
    return World(cases=cases, people=people)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings, tmp_path):
    """Report files are written under a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
