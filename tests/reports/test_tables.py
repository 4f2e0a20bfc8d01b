"""Every table against figures worked out by hand from the seeded world (conftest)."""

from collections import Counter

import pytest

from cases.models import Country, Location, MovementType
from reports.choices import ReportKind, age_band_of
from reports.figures import compute_figures

from .conftest import HOUSEHOLDS, YEAR

pytestmark = pytest.mark.django_db


def detail(figures, table, *dims):
    """{dimension values: measures} of a table's detail rows."""
    out = {}
    for row in figures["tables"][table]:
        if row["level"] == "detail":
            out[tuple(row["dims"][k] for k in dims)] = row["values"]
    return out


def total(figures, table):
    return next(r["values"] for r in figures["tables"][table] if r["level"] == "total")


def departed_in(year):
    """(household, person) for everyone who left in `year`, from the plain descriptions."""
    for camp, iso, movement, members, on in HOUSEHOLDS.values():
        if on and on.year == year:
            for person in members:
                yield (camp, iso, movement, on), person


@pytest.fixture
def figures(world):
    return compute_figures(kind=ReportKind.YEARLY, year_from=YEAR, year_to=YEAR)


def _ids():
    return (
        {c.iso_code: c.pk for c in Country.objects.all()},
        {loc.name: loc.pk for loc in Location.objects.all()},
        {m.code: m.pk for m in MovementType.objects.all()},
    )


def test_departures_by_destination_camp_sex_age_type_month(figures):
    countries, camps, movements = _ids()
    people = list(departed_in(YEAR))
    by_destination = Counter(countries[h[1]] for h, _p in people)
    by_camp = Counter((camps[h[0]], countries[h[1]]) for h, _p in people)
    by_sex = Counter(p.sex for _h, p in people)
    by_band = Counter(
        age_band_of(h[3].year - p.born.year - ((h[3].month, h[3].day) < (p.born.month, p.born.day)))
        for h, p in people
    )
    by_type = Counter(movements[h[2]] for h, _p in people)
    by_month = Counter(h[3].month for h, _p in people)

    def persons(table, *dims):
        return {k: v["persons"] for k, v in detail(figures, table, *dims).items()}

    assert persons("departures_by_destination", "destination") == {
        (k,): v for k, v in by_destination.items()
    }
    assert persons("departures_by_camp", "camp", "destination") == dict(by_camp)
    assert persons("departures_by_sex", "sex") == {(k,): v for k, v in by_sex.items()}
    assert persons("departures_by_age_band", "age_band") == {(k,): v for k, v in by_band.items()}
    assert persons("departures_by_movement_type", "movement_type") == {
        (k,): v for k, v in by_type.items()
    }
    # Every month is listed, those without departures as zeros.
    assert persons("departures_by_month", "month") == {
        (m,): by_month.get(m, 0) for m in range(1, 13)
    }
    assert total(figures, "departures_by_destination") == {"persons": 5, "imported": 0}
    # The camp table has a subtotal per camp.
    subtotals = {
        r["dims"]["camp"]: r["values"]["persons"]
        for r in figures["tables"]["departures_by_camp"]
        if r["level"] == "subtotal"
    }
    assert subtotals == {camps["Mahama"]: 2, camps["Kiziba"]: 3}


def test_assessments_by_programme_country_and_group_with_totals(figures):
    countries, _camps, _m = _ids()
    usa, can = countries["USA"], countries["CAN"]
    assert {
        k: v["assessments"]
        for k, v in detail(figures, "assessments", "programme_country", "group").items()
    } == {(usa, "refugee"): 2, (can, "immigrant"): 1, (can, "refugee"): 1}
    subtotals = {
        r["dims"]["programme_country"]: r["values"]["assessments"]
        for r in figures["tables"]["assessments"]
        if r["level"] == "subtotal"
    }
    assert subtotals == {usa: 2, can: 2}
    assert total(figures, "assessments") == {"assessments": 4}


def test_interviews_completed_in_the_year_in_kigali_time(figures):
    rows = detail(figures, "interviews", "kind")
    assert rows[("pre_screening",)] == {"interviews": 2, "cases": 2, "persons": 5}
    assert rows[("adjudication",)] == {"interviews": 1, "cases": 1, "persons": 3}
    assert ("selection_mission",) not in rows
    assert total(figures, "interviews") == {"interviews": 3, "cases": 2, "persons": 5}


def test_orientation_participants_and_sessions_held(figures):
    countries, _c, _m = _ids()
    rows = detail(figures, "orientation", "destination")
    assert rows == {
        (countries["USA"],): {"participants": 1, "sessions": 1},
        (countries["CAN"],): {"participants": 2, "sessions": 1},
    }
    assert total(figures, "orientation") == {"participants": 3, "sessions": 2}


def test_vaccinations_and_pre_embarkation_checks(figures):
    countries, _c, _m = _ids()
    assert detail(figures, "vaccinations", "destination") == {
        (countries["USA"],): {"doses": 2, "persons": 1},
        (countries["CAN"],): {"doses": 1, "persons": 1},
    }
    assert total(figures, "vaccinations") == {"doses": 3, "persons": 2}
    assert detail(figures, "pre_embarkation_checks", "result") == {
        ("fit",): {"checks": 3, "persons": 3},
        ("fit_with_escort",): {"checks": 1, "persons": 1},
        ("unfit",): {"checks": 1, "persons": 1},
    }
    assert total(figures, "pre_embarkation_checks") == {"checks": 5, "persons": 4}


def test_multi_year_departures_by_destination(world):
    countries, _c, _m = _ids()
    figures = compute_figures(kind=ReportKind.MULTI_YEAR, year_from=YEAR - 1, year_to=YEAR + 1)
    rows = {
        (r["dims"].get("destination"), r["dims"].get("year")): r["values"]["persons"]
        for r in figures["tables"]["departures_multi_year"]
    }
    expected = Counter()
    for year in (YEAR - 1, YEAR, YEAR + 1):
        for h, _p in departed_in(year):
            expected[(countries[h[1]], year)] += 1
            expected[(countries[h[1]], None)] += 1
            expected[(None, year)] += 1
            expected[(None, None)] += 1
    assert rows == dict(expected)
    assert list(figures["tables"]) == ["departures_multi_year"]


def test_a_year_with_nothing_has_zero_totals(db):
    figures = compute_figures(kind=ReportKind.YEARLY, year_from=2009, year_to=2009)
    assert total(figures, "departures_by_destination") == {"persons": 0, "imported": 0}
    assert total(figures, "assessments") == {"assessments": 0}
