"""The data migration that normalises UNHCR numbers: existing spellings are put right, and
numbers that would collide stop the migration with a list instead of losing a record."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from cases.models import Case, Individual
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0007_normalise_unhcr_numbers")


@pytest.fixture
def old_rows_allowed():
    """The tables as they were before the CHECK constraints (undone when the test ends)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_case DROP CONSTRAINT case_unhcr_number_normalised")
        cursor.execute(
            "ALTER TABLE cases_individual DROP CONSTRAINT individual_unhcr_number_normalised"
        )


def test_existing_numbers_are_stripped_and_put_in_capitals(old_rows_allowed):
    case = CaseFactory(principal__unhcr_individual_number="RWA-I-1")
    Case.objects.filter(pk=case.pk).update(unhcr_case_number=" rwa-19-123 ")
    Individual.objects.filter(case=case).update(unhcr_individual_number="rwa-i-1 ")
    other = CaseFactory()
    Individual.objects.filter(case=other).update(unhcr_individual_number="  ")

    migration.normalise(apps, None)

    assert Case.objects.get(pk=case.pk).unhcr_case_number == "RWA-19-123"
    assert Individual.objects.get(case=case).unhcr_individual_number == "RWA-I-1"
    assert Individual.objects.get(case=other).unhcr_individual_number is None


def test_numbers_that_would_collide_stop_the_migration_and_nothing_is_lost(old_rows_allowed):
    first = CaseFactory(unhcr_case_number="RWA-19-123")
    second = CaseFactory()
    Case.objects.filter(pk=second.pk).update(unhcr_case_number="rwa-19-123")

    with pytest.raises(RuntimeError, match="RWA-19-123"):
        migration.normalise(apps, None)

    assert set(Case.objects.values_list("unhcr_case_number", flat=True)) == {
        first.unhcr_case_number,
        "rwa-19-123",
    }
