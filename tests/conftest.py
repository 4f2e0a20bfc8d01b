import pytest
from django.conf import settings
from django.utils import translation

from cases.reference_data import load_reference_data
from core.roles import Role
from medical.reference_data import load_medical_protocols
from orientation.reference_data import load_orientation_reference_data
from tests.factories import user_with_role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (countries, camps, programmes, role groups) in the test database once."""
    with django_db_blocker.unblock():
        load_all_reference_data()


def load_all_reference_data():
    """Every app's reference data, as `make run` loads it."""
    load_reference_data()
    load_medical_protocols()
    load_orientation_reference_data()


@pytest.fixture
def caseworker(db):
    return user_with_role(Role.CASEWORKER, username="caseworker")


@pytest.fixture
def clinician(db):
    return user_with_role(Role.CLINICIAN, username="clinician")


@pytest.fixture
def facilitator(db):
    return user_with_role(Role.ORIENTATION_FACILITATOR, username="facilitator")


@pytest.fixture
def movement_officer(db):
    return user_with_role(Role.MOVEMENT_OFFICER, username="movement_officer")


@pytest.fixture
def manager(db):
    return user_with_role(Role.MANAGER, username="manager")


@pytest.fixture
def partner(db):
    return user_with_role(Role.PARTNER_SYSTEM, username="partner")


@pytest.fixture
def administrator(db):
    return user_with_role(Role.ADMINISTRATOR, username="administrator")


@pytest.fixture
def all_roles(
    caseworker, clinician, facilitator, movement_officer, manager, partner, administrator
):
    return {
        Role.CASEWORKER: caseworker,
        Role.CLINICIAN: clinician,
        Role.ORIENTATION_FACILITATOR: facilitator,
        Role.MOVEMENT_OFFICER: movement_officer,
        Role.MANAGER: manager,
        Role.PARTNER_SYSTEM: partner,
        Role.ADMINISTRATOR: administrator,
    }


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in another language leaves it active in the test's thread (LocaleMiddleware
    activates and never deactivates): the next test starts in English again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
