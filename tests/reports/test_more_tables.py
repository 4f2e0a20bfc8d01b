"""More of the published tables: departures in cases beside persons, by nationality and by
submission category; assessments by programme code; interview decisions by case; orientation by
sex with session-days; vaccinations by vaccine. Expected figures worked out from the world's
plain description (tests/reports/conftest.py)."""

import pytest

from cases.models import Country, Interview, Programme
from reports.figures import compute_figures
from reports.presenters import present_figures

from .conftest import YEAR, d

pytestmark = pytest.mark.django_db


def _rows(figures, key):
    table = next(t for t in present_figures(figures) if t.key == key)
    return {tuple(r.labels): [c.value for c in r.cells] for r in table.rows}


def test_the_new_tables_count_what_their_rules_say(world):
    c1, c2 = world.cases["c1"], world.cases["c2"]
    Interview.objects.filter(case=c2, kind="adjudication").update(
        decision="approved", decided_on=d(YEAR, 7, 20)
    )
    Interview.objects.filter(case=c1, kind="pre_screening").update(
        decision="more_information", decided_on=d(YEAR, 1, 15)
    )
    figures = compute_figures(kind="yearly", year_from=YEAR, year_to=YEAR)

    cases = _rows(figures, "departures_cases")
    assert cases[("United States",)] == [2, 1, 0]
    assert cases[("Canada",)] == [3, 1, 0]
    assert cases[("Total",)] == [5, 2, 0]

    nationality = Country.objects.get(iso_code="COD").name
    assert _rows(figures, "departures_by_nationality")[(nationality,)] == [5, 0]
    category = c1.submission_category.name
    by_category = _rows(figures, "departures_by_submission_category")
    assert sum(v[0] for k, v in by_category.items() if k != ("Total",)) == 5
    assert by_category[(category,)][0] >= 2

    programmes = _rows(figures, "assessments_by_programme")
    assert programmes[("USRAP", "Refugee")] == [2]
    assert programmes[("CA-GAR", "Immigrant")] == [1]
    assert programmes[("CA-GAR", "Refugee")] == [1]
    assert programmes[("CA-GAR", "Total")] == [2]
    assert programmes[("Total", "")] == [4]
    assert Programme.objects.filter(code__in=["USRAP", "CA-GAR"]).count() == 2

    decisions = _rows(figures, "interview_decisions")
    assert decisions[("Adjudication (receiving country's officers)", "Approved")] == [1, 3]
    assert decisions[
        ("Pre-screening (resettlement support centre)", "More information requested")
    ] == [1, 2]
    assert decisions[("Total", "")] == [2, 5]

    by_sex = _rows(figures, "orientation_by_sex")
    # Present: c1's principal (F) one day; c2's principal (M) three days, spouse (F) two.
    assert by_sex[("Female",)] == [2, 3]
    assert by_sex[("Male",)] == [1, 3]
    assert by_sex[("Total",)] == [3, 6]

    vaccines = _rows(figures, "vaccinations_by_vaccine")
    assert vaccines[("Total",)] == [3, 2]


def test_assisted_voluntary_returns_are_a_movement_type_and_a_table_of_their_own(world):
    from cases.models import MovementType
    from tests.factories import CaseFactory

    from .conftest import depart

    returning = CaseFactory(
        members=1,
        destination_country=Country.objects.get(iso_code="BEL"),
        movement_type=MovementType.objects.get(code="assisted_voluntary_return"),
    )
    depart(returning, d(YEAR, 9, 9), list(returning.members.all()))
    figures = compute_figures(kind="yearly", year_from=YEAR, year_to=YEAR)

    returns = _rows(figures, "assisted_voluntary_returns")
    assert returns == {("Belgium",): [2, 0], ("Total",): [2, 0]}
    by_type = _rows(figures, "departures_by_movement_type")
    assert by_type[("Assisted voluntary return",)] == [2, 0]
    assert _rows(figures, "departures_by_destination")[("Total",)] == [7, 0]


def test_cases_by_status_at_the_years_end_read_the_timeline_up_to_31_december(world):
    from django.utils import timezone

    from cases.choices import CaseStatus, EventKind
    from cases.models import Case, CaseEvent
    from tests.factories import CaseFactory

    kigali = timezone.get_default_timezone()
    held = CaseFactory(referral_date=d(YEAR, 3, 1))
    CaseEvent.objects.create(
        case=held,
        kind=EventKind.STATUS_CHANGED,
        to_status=CaseStatus.ON_HOLD,
        at=timezone.datetime(YEAR, 12, 31, 23, 30, tzinfo=kigali),
    )
    # A change after the year's end does not count; a case referred after it is not counted.
    CaseEvent.objects.create(
        case=held,
        kind=EventKind.STATUS_CHANGED,
        to_status=CaseStatus.WITHDRAWN,
        at=timezone.datetime(YEAR + 1, 1, 1, 0, 30, tzinfo=kigali),
    )
    CaseFactory(referral_date=d(YEAR + 1, 1, 2))
    counted = Case.objects.filter(referral_date__lte=d(YEAR, 12, 31)).count()

    figures = compute_figures(kind="yearly", year_from=YEAR, year_to=YEAR)

    rows = _rows(figures, "cases_by_status_at_year_end")
    assert rows[("Total",)] == [counted]
    assert rows[(str(CaseStatus.ON_HOLD.label),)][0] >= 1
    assert (str(CaseStatus.WITHDRAWN.label),) not in rows or rows[
        (str(CaseStatus.WITHDRAWN.label),)
    ][0] < counted
