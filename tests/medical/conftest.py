import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, Relationship
from cases.models import Case
from core.roles import Role
from medical.models import MedicalProtocol
from medical.reference_data import load_medical_protocols, physician_group_ensure
from tests.factories import CaseFactory, IndividualFactory, user_with_role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The medical protocols on top of the reference data the lead's conftest loads."""
    with django_db_blocker.unblock():
        load_medical_protocols()


@pytest.fixture(autouse=True)
def _medical_protocols_present(db):
    """Transactional tests (the browser's) empty every table when they end: put the protocols
    back for the tests after them (one query when they are there)."""
    if not MedicalProtocol.objects.exists():
        load_medical_protocols()


def years_ago(years: int, days: int = 10) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def case_in(status=CaseStatus.HEALTH_ASSESSMENT, *, adults=1, children=0, **kwargs):
    """A US case put directly into `status` (set-up only: the app moves cases by the workflow),
    with an adult principal applicant, `adults - 1` adult relatives and `children` aged 8."""
    case = CaseFactory(
        principal__date_of_birth=years_ago(35),
        principal__given_name="Amani",
        principal__family_name="Mugisha",
        **kwargs,
    )
    for _ in range(adults - 1):
        IndividualFactory(case=case, relationship=Relationship.SPOUSE, date_of_birth=years_ago(33))
    for _ in range(children):
        IndividualFactory(case=case, relationship=Relationship.CHILD, date_of_birth=years_ago(8))
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.fixture
def health_case(db):
    return case_in(CaseStatus.HEALTH_ASSESSMENT)


def physician_user(username="physician"):
    """A clinician in the "physician" group: holds medical.sign_clearance."""
    user = user_with_role(Role.CLINICIAN, username=username)
    user.groups.add(physician_group_ensure())
    return user


@pytest.fixture
def clinician(db):
    """In the clinic's tests the clinician who records outcomes is a physician."""
    return physician_user("clinician")


@pytest.fixture
def nurse(db):
    """A clinician without the physician's permission: records parts, never an outcome."""
    return user_with_role(Role.CLINICIAN, username="nurse")
