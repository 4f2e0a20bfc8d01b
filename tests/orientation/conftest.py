import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, Relationship
from cases.models import Case, Country
from orientation import services
from orientation.models import Curriculum
from orientation.reference_data import load_orientation_reference_data
from tests.factories import CaseFactory, IndividualFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The default curricula (one per destination) on top of the shared reference data."""
    with django_db_blocker.unblock():
        load_orientation_reference_data()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def usa_curriculum(db):
    """The United States curriculum: minimum age 15, three days."""
    return Curriculum.objects.get(destination_country__iso_code="USA")


def born_years_before(day: datetime.date, years: int, *, days_later: int = 0) -> datetime.date:
    """A birth date making someone exactly `years` old on `day` (or younger by `days_later`)."""
    try:
        born = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        born = day.replace(year=day.year - years, day=28)
    return born + datetime.timedelta(days=days_later)


def household(*, ages=(40, 38, 16, 9), status=CaseStatus.APPROVED, country="USA", on=None):
    """A case going to `country`, in `status`, with members of these ages on `on` (the principal
    applicant first)."""
    on = on or timezone.localdate()
    case = CaseFactory(
        destination_country=Country.objects.get(iso_code=country),
        principal__date_of_birth=born_years_before(on, ages[0]),
    )
    for age in ages[1:]:
        IndividualFactory(
            case=case, relationship=Relationship.CHILD, date_of_birth=born_years_before(on, age)
        )
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def plan(actor, curriculum, start, *, days=None, capacity=30, facilitator=None):
    day_dates = None
    if days is not None:
        day_dates = [start + datetime.timedelta(days=n) for n in range(days)]
    return services.session_plan(
        actor=actor,
        curriculum=curriculum,
        start_date=start,
        day_dates=day_dates,
        venue="Mahama community hall",
        language="Kinyarwanda",
        facilitator=facilitator or actor,
        capacity=capacity,
    )


def attend_all(actor, session, *, absent=()):
    """Record every day of `session`, everyone enrolled present except `absent` (id, day) pairs."""
    enrolled = list(session.enrollments.values_list("individual_id", flat=True))
    for day in session.days.order_by("number"):
        present = [pk for pk in enrolled if (pk, day.number) not in set(absent)]
        services.attendance_record(
            actor=actor, session=session, day_number=day.number, present=present
        )
    session.refresh_from_db()
    return session
