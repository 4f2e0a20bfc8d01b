"""The tables of the reports: what each counts (its rule, printed on the report) and the one SQL
statement that counts it.

Every table is a `base` query yielding one row per counted thing (a traveller, an assessment,
an attendance, ...) with its dimensions, and measures aggregated over it. The figures come from
`SELECT dims, aggregates FROM (base) GROUP BY GROUPING SETS (...)` in the database, never from a
loop over rows; the drill-down reads the same base with the cell's dimensions as filters, so the
list behind a cell always counts what the cell counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import AGE_BAND_LIMITS, ReportKind

# How each dimension's values are named on the report (see reports.presenters).
COUNTRY, LOCATION, MOVEMENT_TYPE, SEX, AGE_BAND, MONTH, GROUP, RESULT, INTERVIEW_KIND, YEAR = (
    "country",
    "location",
    "movement_type",
    "sex",
    "age_band",
    "month",
    "group",
    "result",
    "interview_kind",
    "year",
)
PROGRAMME, SUBMISSION_CATEGORY, DECISION, VACCINE, CASE_STATUS = (
    "programme",
    "submission_category",
    "decision",
    "vaccine",
    "case_status",
)
# Dimensions whose values are text (codes of choices); the others are ids or numbers.
TEXT_KINDS = frozenset(
    {SEX, AGE_BAND, GROUP, RESULT, INTERVIEW_KIND, DECISION, VACCINE, CASE_STATUS}
)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class Measure:
    """`aggregate` is SQL over the base rows `b`; `unit` is what the drill-down lists:
    'person' (distinct people), 'case' (distinct cases), 'record' (each base row), 'session'
    (distinct orientation sessions) or 'imported' (imported lines, with their persons)."""

    key: str
    label: str
    aggregate: str
    unit: str


@dataclass(frozen=True)
class Period:
    year_from: int
    year_to: int

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year_from, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year_to, 12, 31)

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime(self.year_from, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def ends_before(self) -> datetime.datetime:
        return datetime.datetime(self.year_to + 1, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    rule: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    # (sql, params) yielding the base rows: unit_id, individual_id, case_id, imported_id, weight
    # and one column per dimension key.
    base: Callable[[Period], tuple[str, list]]
    kinds: tuple[str, ...] = (ReportKind.YEARLY,)
    # Grouping sets as tuples of dimension keys; by default the detail and the grand total.
    grouping_sets: tuple[tuple[str, ...], ...] = field(default=())
    # A spreadsheet's sheet is named by at most 31 characters: a shorter title where needed.
    sheet: str | None = None

    def sets(self) -> tuple[tuple[str, ...], ...]:
        return self.grouping_sets or (tuple(d.key for d in self.dimensions), ())

    def measure(self, key: str) -> Measure:
        for measure in self.measures:
            if measure.key == key:
                return measure
        raise KeyError(key)

    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.dimensions]


# ---------------------------------------------------------------------------------------------
# The counted things
#
# A join needed only to name a record's case (for the drill-down) is a LEFT JOIN on a unique key:
# when the figures do not use it, PostgreSQL leaves it out of the plan.


def _age_band_sql(on: str, born: str) -> str:
    age = f"date_part('year', age({on}, {born}))"
    parts = []
    for band, low, high in AGE_BAND_LIMITS:
        if high is None:
            parts.append(f"WHEN {age} >= {low} THEN '{band.value}'")
        else:
            parts.append(f"WHEN {age} BETWEEN {low} AND {high} THEN '{band.value}'")
    return "CASE " + " ".join(parts) + " END"


def departures_base(period: Period) -> tuple[str, list]:
    """One row per person who departed (a traveller on a booking whose departure was recorded
    with its date in the period), plus one row per imported line weighted by its persons."""
    sql = f"""
        SELECT t.id AS unit_id, t.individual_id, d.case_id, NULL::bigint AS imported_id,
               1 AS weight,
               d.destination_country_id AS destination, d.location_id AS camp,
               d.movement_type_id AS movement_type, i.sex AS sex,
               {_age_band_sql("d.departed_on", "i.date_of_birth")} AS age_band,
               extract(month FROM d.departed_on)::int AS month,
               extract(year FROM d.departed_on)::int AS year, d.departed_on AS departed_on,
               i.nationality_id AS nationality, c.submission_category_id AS submission_category
          FROM movements_departure d
          JOIN movements_traveller t ON t.booking_id = d.booking_id
                                    AND t.boarded IS NOT FALSE
          JOIN cases_individual i ON i.id = t.individual_id
          LEFT JOIN cases_case c ON c.id = d.case_id
         WHERE d.departed_on BETWEEN %s AND %s
        UNION ALL
        SELECT l.id, NULL, NULL, l.id, l.persons,
               l.destination_country_id, l.location_id, l.movement_type_id,
               NULLIF(l.sex, ''), NULLIF(l.age_band, ''),
               extract(month FROM l.departed_on)::int, l.year, l.departed_on, NULL, NULL
          FROM reports_importeddeparture l
         WHERE l.year BETWEEN %s AND %s
    """  # noqa: S608 (built from constants only)
    return sql, [period.first_day, period.last_day, period.year_from, period.year_to]


RETURN_MOVEMENT = "assisted_voluntary_return"


def returns_base(period: Period) -> tuple[str, list]:
    """The departures' rows (as `departures_base`) of the movement type "assisted voluntary
    return" only."""
    sql, params = departures_base(period)
    wrapped = f"""
        SELECT b.* FROM ({sql}) b
          JOIN cases_movementtype m ON m.id = b.movement_type
         WHERE m.code = %s
    """  # noqa: S608 (built from constants only)
    return wrapped, [*params, RETURN_MOVEMENT]


def departed_cases_base(period: Period) -> tuple[str, list]:
    """The departures' rows (as `departures_base`) with only what counting cases by destination
    needs: a narrower row is what lets this table cost what a hand-written query costs."""
    sql = """
        SELECT t.id AS unit_id, t.individual_id, d.case_id, NULL::bigint AS imported_id,
               1 AS weight, d.destination_country_id AS destination
          FROM movements_departure d
          JOIN movements_traveller t ON t.booking_id = d.booking_id
         WHERE d.departed_on BETWEEN %s AND %s
        UNION ALL
        SELECT l.id, NULL, NULL, l.id, l.persons, l.destination_country_id
          FROM reports_importeddeparture l
         WHERE l.year BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day, period.year_from, period.year_to]


def assessments_base(period: Period) -> tuple[str, list]:
    sql = """
        SELECT a.id AS unit_id, a.individual_id, i.case_id, NULL::bigint AS imported_id,
               1 AS weight, p.country_id AS programme_country, a."group" AS "group",
               a.programme_id AS programme
          FROM medical_healthassessment a
          JOIN cases_programme p ON p.id = a.programme_id
          LEFT JOIN cases_individual i ON i.id = a.individual_id
         WHERE a.assessed_on BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day]


def interviews_base(period: Period) -> tuple[str, list]:
    sql = """
        SELECT v.id AS unit_id, m.id AS individual_id, v.case_id, NULL::bigint AS imported_id,
               1 AS weight, v.kind AS kind
          FROM cases_interview v
          JOIN cases_individual m ON m.case_id = v.case_id
         WHERE v.outcome = 'completed' AND v.scheduled_for >= %s AND v.scheduled_for < %s
    """
    return sql, [period.starts_at, period.ends_before]


def decisions_base(period: Period) -> tuple[str, list]:
    """One row per member of a case for each interview decision recorded in the period."""
    sql = """
        SELECT v.id AS unit_id, m.id AS individual_id, v.case_id, NULL::bigint AS imported_id,
               1 AS weight, v.kind AS kind, v.decision AS decision
          FROM cases_interview v
          JOIN cases_individual m ON m.case_id = v.case_id
         WHERE v.decision <> '' AND v.decided_on BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day]


def statuses_at_year_end_base(period: Period) -> tuple[str, list]:
    """One row per case referred by the period's last day, with the status it held at the end
    of that day (Kigali time): the last change of status on its timeline before then, or
    "referred" when none was recorded."""
    sql = """
        SELECT c.id AS unit_id, NULL::bigint AS individual_id, c.id AS case_id,
               NULL::bigint AS imported_id, 1 AS weight,
               coalesce(s.to_status, 'referred') AS case_status
          FROM cases_case c
          LEFT JOIN LATERAL (
              SELECT e.to_status FROM cases_caseevent e
               WHERE e.case_id = c.id AND e.to_status <> '' AND e.at < %s
               ORDER BY e.at DESC, e.id DESC LIMIT 1
          ) s ON true
         WHERE c.referral_date <= %s
    """
    return sql, [period.ends_before, period.last_day]


def orientation_base(period: Period) -> tuple[str, list]:
    sql = """
        SELECT s.id AS unit_id, e.individual_id, i.case_id, NULL::bigint AS imported_id,
               1 AS weight, c.destination_country_id AS destination, i.sex AS sex
          FROM orientation_attendance a
          JOIN orientation_enrollment e ON e.id = a.enrollment_id
          JOIN orientation_orientationsession s ON s.id = e.session_id
          JOIN orientation_curriculum c ON c.id = s.curriculum_id
          LEFT JOIN cases_individual i ON i.id = e.individual_id
         WHERE a.present AND s.start_date BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day]


def vaccinations_base(period: Period) -> tuple[str, list]:
    sql = """
        SELECT v.id AS unit_id, v.individual_id, i.case_id, NULL::bigint AS imported_id,
               1 AS weight, c.destination_country_id AS destination, v.vaccine AS vaccine
          FROM medical_vaccination v
          JOIN cases_individual i ON i.id = v.individual_id
          JOIN cases_case c ON c.id = i.case_id
         WHERE v.given_on BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day]


def checks_base(period: Period) -> tuple[str, list]:
    sql = """
        SELECT k.id AS unit_id, k.individual_id, i.case_id, NULL::bigint AS imported_id,
               1 AS weight, k.result AS result
          FROM medical_preembarkationcheck k
          LEFT JOIN cases_individual i ON i.id = k.individual_id
         WHERE k.checked_on BETWEEN %s AND %s
    """
    return sql, [period.first_day, period.last_day]


# ---------------------------------------------------------------------------------------------
# The tables

PERSONS = Measure("persons", _("Persons"), "sum(b.weight)", "record")
IMPORTED = Measure(
    "imported",
    _("of which imported"),
    "coalesce(sum(b.weight) FILTER (WHERE b.imported_id IS NOT NULL), 0)",
    "imported",
)
DEPARTURE_MEASURES = (PERSONS, IMPORTED)
DEPARTURE_RULE = _(
    "Persons who departed: each traveller on a booking whose departure was recorded with a "
    "departure date (local time, Africa/Kigali) in the year, counted once per departure, under "
    "the camp, destination and movement type recorded when the household left. Figures "
    "imported from records kept before the system are added and shown as imported; what was "
    "not recorded then is counted under “not recorded”."
)

DESTINATION = Dimension("destination", _("Destination country"), COUNTRY)
CAMP = Dimension("camp", _("Camp or location"), LOCATION)

TABLES: tuple[Table, ...] = (
    Table(
        key="departures_by_destination",
        title=_("Departures by destination country"),
        rule=DEPARTURE_RULE,
        dimensions=(DESTINATION,),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="departures_by_camp",
        sheet=_("Departures by camp"),
        title=_("Departures by camp and destination"),
        rule=DEPARTURE_RULE,
        dimensions=(CAMP, DESTINATION),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
        grouping_sets=(("camp", "destination"), ("camp",), ()),
    ),
    Table(
        key="departures_by_sex",
        title=_("Departures by sex"),
        rule=DEPARTURE_RULE,
        dimensions=(Dimension("sex", _("Sex"), SEX),),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="departures_by_age_band",
        title=_("Departures by age band"),
        rule=_(
            "As the departures by destination; the age is the person's age on the date of "
            "departure (from the date of birth; for imported figures, as recorded at the time)."
        ),
        dimensions=(Dimension("age_band", _("Age band"), AGE_BAND),),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="departures_by_movement_type",
        title=_("Departures by movement type"),
        rule=DEPARTURE_RULE,
        dimensions=(Dimension("movement_type", _("Movement type"), MOVEMENT_TYPE),),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="departures_by_month",
        title=_("Departures per month"),
        rule=_(
            "As the departures by destination, by the month of the departure date (local "
            "time). Imported figures recorded with a year only are counted under “not recorded”."
        ),
        dimensions=(Dimension("month", _("Month"), MONTH),),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="assessments",
        sheet=_("Health assessments"),
        title=_("Health assessments by programme country and group"),
        rule=_(
            "Health assessments whose assessment date falls in the year (one per person and "
            "programme), by the country of the programme and the group (immigrant or refugee), "
            "with a total per country and a grand total."
        ),
        dimensions=(
            Dimension("programme_country", _("Programme country"), COUNTRY),
            Dimension("group", _("Group"), GROUP),
        ),
        measures=(Measure("assessments", _("Assessments"), "count(*)", "record"),),
        base=assessments_base,
        grouping_sets=(("programme_country", "group"), ("programme_country",), ()),
    ),
    Table(
        key="interviews",
        title=_("Interviews facilitated"),
        rule=_(
            "Interviews held in the year (scheduled date in local time, outcome “completed”), "
            "by kind: the interviews, the distinct cases interviewed and the persons in those "
            "cases (the household's members as recorded today). A case interviewed twice "
            "counts once; the total counts each case and person once across kinds."
        ),
        dimensions=(Dimension("kind", _("Kind of interview"), INTERVIEW_KIND),),
        measures=(
            Measure("interviews", _("Interviews"), "count(DISTINCT b.unit_id)", "interview"),
            Measure("cases", _("Cases"), "count(DISTINCT b.case_id)", "case"),
            Measure("persons", _("Persons"), "count(DISTINCT b.individual_id)", "person"),
        ),
        base=interviews_base,
    ),
    Table(
        key="orientation",
        title=_("Cultural orientation"),
        rule=_(
            "Sessions whose first day falls in the year, by the curriculum's destination "
            "country: participants are the distinct persons present on at least one day; "
            "sessions held are the sessions at which anyone was present."
        ),
        dimensions=(DESTINATION,),
        measures=(
            Measure("participants", _("Participants"), "count(DISTINCT b.individual_id)", "person"),
            Measure("sessions", _("Sessions held"), "count(DISTINCT b.unit_id)", "session"),
        ),
        base=orientation_base,
    ),
    Table(
        key="vaccinations",
        title=_("Vaccinations given"),
        rule=_(
            "Vaccine doses given in the year (date given), by the destination country of the "
            "person's case, with the distinct persons vaccinated."
        ),
        dimensions=(DESTINATION,),
        measures=(
            Measure("doses", _("Doses given"), "count(*)", "record"),
            Measure(
                "persons", _("Persons vaccinated"), "count(DISTINCT b.individual_id)", "person"
            ),
        ),
        base=vaccinations_base,
    ),
    Table(
        key="pre_embarkation_checks",
        sheet=_("Pre-embarkation checks"),
        title=_("Pre-embarkation checks by result"),
        rule=_(
            "Fitness-to-travel checks made in the year (date of the check), by result, with "
            "the distinct persons checked."
        ),
        dimensions=(Dimension("result", _("Result"), RESULT),),
        measures=(
            Measure("checks", _("Checks"), "count(*)", "record"),
            Measure("persons", _("Persons"), "count(DISTINCT b.individual_id)", "person"),
        ),
        base=checks_base,
    ),
    Table(
        key="departures_cases",
        title=_("Departures by destination, in cases and persons"),
        sheet=_("Departures in cases"),
        rule=_(
            "As the departures by destination, with the distinct cases (households) that "
            "departed beside the persons. Imported figures were recorded in persons only: they "
            "count no case."
        ),
        dimensions=(DESTINATION,),
        measures=(
            PERSONS,
            Measure("cases", _("Cases"), "count(DISTINCT b.case_id)", "case"),
            IMPORTED,
        ),
        base=departed_cases_base,
    ),
    Table(
        key="departures_by_nationality",
        title=_("Departures by nationality"),
        rule=DEPARTURE_RULE,
        dimensions=(Dimension("nationality", _("Nationality"), COUNTRY),),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="departures_by_submission_category",
        title=_("Departures by submission category"),
        sheet=_("Departures by category"),
        rule=_(
            "As the departures by destination, by the UNHCR submission category of the "
            "household's case as recorded today."
        ),
        dimensions=(
            Dimension("submission_category", _("Submission category"), SUBMISSION_CATEGORY),
        ),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
    ),
    Table(
        key="assessments_by_programme",
        title=_("Health assessments by programme code and group"),
        sheet=_("Assessments by programme"),
        rule=_(
            "Health assessments whose assessment date falls in the year, by the programme "
            "(its code) and the group, with a total per programme and a grand total."
        ),
        dimensions=(
            Dimension("programme", _("Programme"), PROGRAMME),
            Dimension("group", _("Group"), GROUP),
        ),
        measures=(Measure("assessments", _("Assessments"), "count(*)", "record"),),
        base=assessments_base,
        grouping_sets=(("programme", "group"), ("programme",), ()),
    ),
    Table(
        key="interview_decisions",
        title=_("Interview decisions by case"),
        rule=_(
            "Decisions recorded on interviews with a decision date in the year, by kind of "
            "interview and decision: the distinct cases decided and the persons in them (the "
            "household's members as recorded today)."
        ),
        dimensions=(
            Dimension("kind", _("Kind of interview"), INTERVIEW_KIND),
            Dimension("decision", _("Decision"), DECISION),
        ),
        measures=(
            Measure("cases", _("Cases"), "count(DISTINCT b.case_id)", "case"),
            Measure("persons", _("Persons"), "count(DISTINCT b.individual_id)", "person"),
        ),
        base=decisions_base,
        grouping_sets=(("kind", "decision"), ("kind",), ()),
    ),
    Table(
        key="cases_by_status_at_year_end",
        title=_("Cases by status at the year's end"),
        sheet=_("Cases by status at year end"),
        rule=_(
            "Every case referred by 31 December, by the status it held at the end of that day "
            "(Kigali time): the last change of status on its timeline before then, or "
            "“referred” when none was recorded."
        ),
        dimensions=(Dimension("case_status", _("Status"), CASE_STATUS),),
        measures=(Measure("cases", _("Cases"), "count(DISTINCT b.case_id)", "case"),),
        base=statuses_at_year_end_base,
    ),
    Table(
        key="orientation_by_sex",
        title=_("Cultural orientation by sex, with session-days"),
        sheet=_("Orientation by sex"),
        rule=_(
            "As the cultural orientation table, by the participant's sex: the distinct persons "
            "present on at least one day, and the session-days attended (each day a person was "
            "present counts once)."
        ),
        dimensions=(Dimension("sex", _("Sex"), SEX),),
        measures=(
            Measure("participants", _("Participants"), "count(DISTINCT b.individual_id)", "person"),
            Measure("person_days", _("Session-days attended"), "count(*)", "record"),
        ),
        base=orientation_base,
    ),
    Table(
        key="vaccinations_by_vaccine",
        title=_("Vaccinations by vaccine"),
        rule=_(
            "Vaccine doses given in the year (date given), by vaccine, with the distinct persons "
            "vaccinated."
        ),
        dimensions=(Dimension("vaccine", _("Vaccine"), VACCINE),),
        measures=(
            Measure("doses", _("Doses given"), "count(*)", "record"),
            Measure(
                "persons", _("Persons vaccinated"), "count(DISTINCT b.individual_id)", "person"
            ),
        ),
        base=vaccinations_base,
    ),
    Table(
        key="assisted_voluntary_returns",
        title=_("Assisted voluntary returns by destination"),
        sheet=_("Assisted voluntary returns"),
        rule=_(
            "Persons who departed under the movement type “assisted voluntary return” (counted "
            "as the departures by destination, where they are included too), by the country "
            "they returned to."
        ),
        dimensions=(DESTINATION,),
        measures=DEPARTURE_MEASURES,
        base=returns_base,
    ),
    Table(
        key="departures_multi_year",
        sheet=_("Departures year by year"),
        title=_("Departures by destination, year by year"),
        rule=_(
            "Persons who departed, by destination country and year of the departure date "
            "(local time), with totals per destination and per year; years before the system "
            "come from imported records and are shown as imported."
        ),
        dimensions=(DESTINATION, Dimension("year", _("Year"), YEAR)),
        measures=DEPARTURE_MEASURES,
        base=departures_base,
        kinds=(ReportKind.MULTI_YEAR,),
        grouping_sets=(("destination", "year"), ("destination",), ("year",), ()),
    ),
)

TABLES_BY_KEY = {table.key: table for table in TABLES}


def tables_for(kind: str) -> list[Table]:
    return [table for table in TABLES if kind in table.kinds]


# ---------------------------------------------------------------------------------------------
# SQL


def statement_groups(tables: list[Table]) -> list[list[Table]]:
    """Tables counting the same rows with the same measures (the six departure tables) are
    counted by one statement: one pass over the rows for all their grouping sets."""
    groups: dict[tuple, list[Table]] = {}
    for table in tables:
        groups.setdefault((table.base, tuple(m.key for m in table.measures)), []).append(table)
    return list(groups.values())


def group_dimensions(tables: list[Table]) -> list[str]:
    keys: list[str] = []
    for table in tables:
        keys.extend(k for k in table.dimension_keys() if k not in keys)
    return keys


def aggregate_sql(tables: Table | list[Table], period: Period) -> tuple[str, list]:
    """The one statement counting `tables` (sharing their base rows and measures): every grouping
    set of each table in one pass over the base rows."""
    tables = [tables] if isinstance(tables, Table) else tables
    base, params = tables[0].base(period)
    dims = group_dimensions(tables)
    quoted = [f'b."{d}"' for d in dims]
    sets: list[tuple[str, ...]] = []
    for table in tables:
        sets.extend(s for s in table.sets() if s not in sets)
    grouping = ", ".join("(" + ", ".join(f'b."{d}"' for d in s) + ")" for s in sets)
    aggregates = ", ".join(f'{m.aggregate} AS "{m.key}"' for m in tables[0].measures)
    columns = ", ".join(quoted)
    # Identifiers and SQL come from the table definitions only; values are parameters.
    sql = f"SELECT {columns}, {aggregates}, GROUPING({columns}) AS grouping "
    sql += f"FROM ({base}) b GROUP BY GROUPING SETS ({grouping})"
    return sql, params


def cell_filter_sql(table: Table, cell: dict) -> tuple[str, list]:
    """WHERE conditions on the base rows selecting one cell: a dimension absent from `cell` is
    summed over (a subtotal or total); a None value means "not recorded"."""
    conditions, params = ["TRUE"], []
    for key in table.dimension_keys():
        if key not in cell:
            continue
        value = cell[key]
        if value is None:
            conditions.append(f'b."{key}" IS NULL')
        else:
            conditions.append(f'b."{key}" = %s')
            params.append(value)
    return " AND ".join(conditions), params
