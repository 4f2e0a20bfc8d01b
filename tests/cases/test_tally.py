"""The per-status tally of cases (CaseTally): kept by the database in step with the cases, read
by the case list and the dashboard."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse

from cases.choices import CaseStatus, Urgency
from cases.models import Case, CaseTally, Country, Location, PartnerProfile
from cases.selectors import case_status_counts_for, case_status_tally, case_visible_to
from cases.services import case_tally_rebuild
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

DIMENSIONS = ["location", "destination_country", "programme", "caseworker", "urgency", "status"]


def tally() -> dict[tuple, int]:
    return {
        tuple(row[:-1]): row[-1]
        for row in CaseTally.objects.filter(cases__gt=0).values_list(*DIMENSIONS, "cases")
    }


def counted() -> dict[tuple, int]:
    """The same figures counted from the cases themselves."""
    return {
        tuple(row[:-1]): row[-1]
        for row in Case.objects.order_by().values_list(*DIMENSIONS).annotate(n=Count("id"))
    }


def test_the_tally_follows_inserts_updates_and_deletes_however_they_are_written(caseworker):
    kiziba = Location.objects.get(name="Kiziba")
    cases = CaseFactory.create_batch(4)
    assert tally() == counted()
    assert sum(tally().values()) == 4

    # One case at a time through the ORM ...
    cases[0].caseworker = caseworker
    cases[0].save()
    # ... a bulk update over several ...
    Case.objects.filter(pk__in=[cases[1].pk, cases[2].pk]).update(
        status=CaseStatus.ON_HOLD, resume_status=CaseStatus.REFERRED, urgency=Urgency.URGENT
    )
    # ... raw SQL ...
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET location_id = %s WHERE id = %s", [kiziba.pk, cases[3].pk]
        )
    assert tally() == counted()

    cases[2].delete()
    CaseFactory(location=kiziba, caseworker=caseworker)
    assert tally() == counted()
    assert sum(tally().values()) == 4


def test_an_edit_that_changes_nothing_counted_leaves_the_tally_alone():
    case = CaseFactory()
    before = list(CaseTally.objects.values_list("id", "cases"))

    Case.objects.filter(pk=case.pk).update(notes="Called the family; no news.")

    assert list(CaseTally.objects.values_list("id", "cases")) == before


def test_the_tally_gives_the_counts_by_status_for_the_filters_it_knows(caseworker):
    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba, caseworker=caseworker)
    held = CaseFactory(location=kiziba)
    CaseFactory()
    Case.objects.filter(pk=held.pk).update(
        status=CaseStatus.ON_HOLD, resume_status=CaseStatus.REFERRED
    )

    assert case_status_tally() == {"referred": 3, "on_hold": 1}
    assert case_status_tally(location=kiziba) == {"referred": 2, "on_hold": 1}
    assert case_status_tally(location=kiziba, caseworker=caseworker) == {"referred": 2}
    assert case_status_tally(urgency=Urgency.URGENT) == {}
    with pytest.raises(ValueError, match="Not tallied: q"):
        case_status_tally(q="uwa")


def test_a_rebuild_recounts_the_tally_from_the_cases(caseworker):
    CaseFactory.create_batch(3)
    CaseFactory(caseworker=caseworker)
    expected = counted()
    # As after a load with triggers off: the tally knows nothing of these cases.
    CaseTally.objects.all().delete()
    assert tally() == {}

    rows = case_tally_rebuild()

    assert tally() == expected
    assert rows == len(expected)


def test_the_list_counts_come_from_the_tally_and_agree_with_the_cases(client, manager):
    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba)
    CaseFactory.create_batch(3)
    client.force_login(manager)

    response = client.get(reverse("cases:list"), {"location": kiziba.pk, "status": "referred"})

    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts == {CaseStatus.REFERRED: 2}
    assert response.context["page"].paginator.count == 2
    assert len(response.context["rows"]) == 2


def test_an_account_that_sees_only_some_cases_gets_counts_of_those_only(partner, manager):
    canada = Country.objects.get(iso_code="CAN")
    CaseFactory.create_batch(2)  # going to the United States
    CaseFactory(destination_country=canada, programme=canada.programmes.first())
    PartnerProfile.objects.create(user=partner, organisation="IRCC", country=canada)

    def counts(user):
        return case_status_counts_for(user=user, filters={}, matching=case_visible_to(user))

    assert counts(partner) == {CaseStatus.REFERRED: 1}  # not the tally of every case
    assert counts(manager) == {CaseStatus.REFERRED: 3}


def test_the_rebuild_command_says_how_many_rows_it_wrote():
    CaseFactory.create_batch(2)
    CaseTally.objects.all().delete()
    out = StringIO()

    call_command("rebuild_case_tally", stdout=out)

    assert out.getvalue().strip() == "Case tally rebuilt: 1 row."
    assert tally() == counted()
