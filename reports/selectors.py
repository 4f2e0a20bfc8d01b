"""Reads of the reports: runs and their versions, the published (approved) version of a year,
what changed since approval, the records behind a figure, and the manager's dashboard."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from cases.models import CaseTally
from cases.selectors import case_visible_to, sees_every_case
from core.errors import ApplicationError, NotPermitted
from medical.selectors import clearances_expiring
from movements.models import Traveller

from .checks import Changes, Difference, changes_since_approval  # noqa: F401 (read here)
from .choices import ReportKind, RunStatus
from .errors import DrillDownRefused
from .models import DepartureImport, ReportRun
from .permissions import can_use_reports
from .presenters import NOT_RECORDED, describe_cell
from .tables import (
    MONTH,
    TABLES_BY_KEY,
    TEXT_KINDS,
    Period,
    Table,
    cell_filter_sql,
    departures_base,
)


def _require(user) -> None:
    if not can_use_reports(user):
        raise NotPermitted(_("Only managers and administrators may see the yearly figures."))


def runs_for(*, user) -> QuerySet[ReportRun]:
    _require(user)
    return ReportRun.objects.select_related("requested_by", "approved_by").defer("figures")


def run_for(*, user, pk: int) -> ReportRun:
    _require(user)
    return ReportRun.objects.select_related("requested_by", "approved_by").get(pk=pk)


def approved_runs(*, user) -> QuerySet[ReportRun]:
    return runs_for(user=user).filter(approved_at__isnull=False).order_by("-year_from", "-version")


def imports_for(*, user) -> QuerySet[DepartureImport]:
    _require(user)
    return DepartureImport.objects.select_related("imported_by")


def latest_done(key: str) -> ReportRun | None:
    return (
        ReportRun.objects.select_related("requested_by", "approved_by")
        .filter(parameters_key=key, status=RunStatus.DONE)
        .order_by("-version")
        .first()
    )


def latest_approved(key: str) -> ReportRun | None:
    return (
        ReportRun.objects.select_related("requested_by", "approved_by")
        .filter(parameters_key=key, approved_at__isnull=False)
        .order_by("-version")
        .first()
    )


def published_run(*, user, year: int, live: bool = False) -> ReportRun | None:
    """The version of a year's figures to serve: the approved one, unless `live` asks for the
    latest computed (also served while nothing is approved)."""
    _require(user)
    key = f"{ReportKind.YEARLY}:{year}"
    if not live:
        approved = latest_approved(key)
        if approved:
            return approved
    return latest_done(key)


# ---------------------------------------------------------------------------------------------
# Drill-down: the records behind one figure


@dataclass
class DrillDown:
    run: ReportRun
    table: Table
    measure: str
    unit: str
    cell: dict
    sql: str
    params: list
    description: str

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(sum(persons), 0) FROM ({self.sql}) d", self.params)  # noqa: S608
            return int(cursor.fetchone()[0])

    def page(self, *, offset: int, limit: int) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(f"{self.sql} LIMIT %s OFFSET %s", [*self.params, limit, offset])
            names = [c.name for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stream(self, chunk: int = 2000) -> Iterator[tuple]:
        """Every row through a server-side cursor, `chunk` at a time (flat memory)."""
        with connection.chunked_cursor() as cursor:
            cursor.execute(self.sql, self.params)
            while rows := cursor.fetchmany(chunk):
                yield from rows


UNIT_SQL = {
    # Each counted row: a person (or an imported line with its persons).
    "record": """
        SELECT c.id AS case_id, c.case_number,
               i.given_name || ' ' || i.family_name AS person,
               coalesce(f.file_name || ' #' || l.line, '') AS reference, x.weight AS persons
          FROM (SELECT b.unit_id, b.individual_id, b.imported_id, b.weight FROM ({base}) b
                 WHERE {where}) x
          LEFT JOIN cases_individual i ON i.id = x.individual_id
          LEFT JOIN cases_case c ON c.id = i.case_id
          LEFT JOIN reports_importeddeparture l ON l.id = x.imported_id
          LEFT JOIN reports_departureimport f ON f.id = l.batch_id
         ORDER BY x.imported_id NULLS FIRST, c.case_number, person, x.unit_id
    """,
    "imported": """
        SELECT NULL::bigint AS case_id, NULL AS case_number, NULL AS person,
               f.file_name || ' #' || l.line AS reference, l.persons
          FROM (SELECT DISTINCT b.imported_id FROM ({base}) b
                 WHERE {where} AND b.imported_id IS NOT NULL) x
          JOIN reports_importeddeparture l ON l.id = x.imported_id
          JOIN reports_departureimport f ON f.id = l.batch_id
         ORDER BY f.id, l.line
    """,
    "person": """
        SELECT c.id AS case_id, c.case_number, i.given_name || ' ' || i.family_name AS person,
               '' AS reference, 1 AS persons
          FROM (SELECT DISTINCT b.individual_id FROM ({base}) b WHERE {where}) x
          JOIN cases_individual i ON i.id = x.individual_id
          JOIN cases_case c ON c.id = i.case_id
         ORDER BY c.case_number, person, i.id
    """,
    "interview": """
        SELECT c.id AS case_id, c.case_number, '' AS person,
               v.kind || ' ' || to_char(v.scheduled_for AT TIME ZONE 'Africa/Kigali',
                                        'YYYY-MM-DD') AS reference, 1 AS persons
          FROM (SELECT DISTINCT b.unit_id FROM ({base}) b WHERE {where}) x
          JOIN cases_interview v ON v.id = x.unit_id JOIN cases_case c ON c.id = v.case_id
         ORDER BY c.case_number, v.id
    """,
    "case": """
        SELECT c.id AS case_id, c.case_number, '' AS person, '' AS reference, 1 AS persons
          FROM (SELECT DISTINCT b.case_id FROM ({base}) b WHERE {where}) x
          JOIN cases_case c ON c.id = x.case_id
         ORDER BY c.case_number
    """,
    "session": """
        SELECT NULL::bigint AS case_id, NULL AS case_number, NULL AS person,
               k.name || ' ' || to_char(s.start_date, 'YYYY-MM-DD') || ' ' || s.venue
                 AS reference, 1 AS persons
          FROM (SELECT DISTINCT b.unit_id FROM ({base}) b WHERE {where}) x
          JOIN orientation_orientationsession s ON s.id = x.unit_id
          JOIN orientation_curriculum k ON k.id = s.curriculum_id
         ORDER BY s.start_date, s.id
    """,
}


def _cell_from(table: Table, raw: dict) -> dict:
    """The cell's dimensions from the request (strings), typed; unknown names refused."""
    kinds = {d.key: d.kind for d in table.dimensions}
    cell = {}
    for key, value in raw.items():
        if key not in kinds:
            raise ApplicationError(
                _("“%(key)s” is not a dimension of this table.") % {"key": key}, field=key
            )
        if value == NOT_RECORDED or value is None:
            cell[key] = None
        elif kinds[key] in TEXT_KINDS:
            cell[key] = str(value)
            if "\x00" in cell[key]:  # no figure has it, and PostgreSQL cannot compare it
                raise ApplicationError(_("Not a valid value."), field=key)
        else:
            try:
                cell[key] = int(value)
            except (TypeError, ValueError):
                raise ApplicationError(_("Not a valid value."), field=key) from None
            low, high = (1, 12) if kinds[key] == MONTH else (-(2**31), 2**31 - 1)
            if not low <= cell[key] <= high:
                raise ApplicationError(_("Not a valid value."), field=key)
    return cell


def drill_down(*, user, run: ReportRun, table_key: str, measure: str, raw_cell: dict) -> DrillDown:
    """The records behind one figure of a run, computed from today's records with the run's
    rules: their count equals the figure unless records changed since the run was computed.

    Managers and administrators see case numbers and names, never medical detail. A figure
    with records the user may not see is refused whole (never a partial list that would not
    add up to the figure)."""
    _require(user)
    if run.figures is None or table_key not in run.figures["tables"]:
        raise ApplicationError(_("This report has no such table."), field="table")
    table = TABLES_BY_KEY[table_key]
    try:
        unit = table.measure(measure).unit
    except KeyError:
        raise ApplicationError(_("This table has no such figure."), field="measure") from None
    cell = _cell_from(table, raw_cell)
    base, base_params = table.base(Period(run.year_from, run.year_to))
    where, where_params = cell_filter_sql(table, cell)
    params = [*base_params, *where_params]
    if not sees_every_case(user):
        hidden = _hidden_cases(user, base, where, params)
        if hidden:
            raise DrillDownRefused(
                _(
                    "%(n)s of the cases behind this figure are outside what you may see; the "
                    "list is not shown."
                )
                % {"n": hidden}
            )
    sql = UNIT_SQL[unit].format(base=base, where=where)
    description = describe_cell(table_key, tuple(sorted(cell.items())), run.figures)
    return DrillDown(run, table, measure, unit, cell, sql, params, description)


def figure_of(run: ReportRun, table_key: str, cell: dict, measure: str) -> int | None:
    """The run's figure for one cell (None when the run has no such cell)."""
    for row in run.figures["tables"].get(table_key, []):
        if row["dims"] == cell:
            return row["values"].get(measure)
    return None


def _hidden_cases(user, base: str, where: str, params: list) -> int:
    visible_sql, visible_params = case_visible_to(user).values("id").query.sql_with_params()
    sql = (
        f"SELECT count(DISTINCT b.case_id) FROM ({base}) b WHERE {where} "  # noqa: S608
        f"AND b.case_id IS NOT NULL AND b.case_id NOT IN ({visible_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *visible_params])
        return int(cursor.fetchone()[0])


# ---------------------------------------------------------------------------------------------
# The manager's dashboard


def pipeline(*, user) -> dict:
    """Cases per status and per camp and status, from the tally the database keeps."""
    _require(user)
    per_status = dict(
        CaseTally.objects.values_list("status").annotate(n=Sum("cases")).filter(n__gt=0)
    )
    per_camp = list(
        CaseTally.objects.values("location_id", "status")
        .annotate(n=Sum("cases"))
        .filter(n__gt=0)
        .order_by("location_id", "status")
    )
    return {"per_status": per_status, "per_camp": per_camp}


@dataclass
class YearToDate:
    """Persons departed from 1 January to `until` this year, and over exactly the same days of
    last year (to `last_until`); `undated` counts last year's imported persons recorded with a
    year only, who cannot be placed on a day and are left out of the comparison."""

    until: datetime.date
    persons: int
    last_until: datetime.date
    last_persons: int
    undated: int


def same_day_last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: last year's 28 February
        return day.replace(year=day.year - 1, day=28)


def departures_year_to_date(*, user, today: datetime.date) -> YearToDate:
    """This year's departures so far against the same days of last year, from today's records
    with the report's own counting rule (the departures' base rows), in one statement."""
    _require(user)
    last_until = same_day_last_year(today)
    base, params = departures_base(Period(today.year - 1, today.year))
    sql = (
        "SELECT coalesce(sum(b.weight) FILTER (WHERE b.departed_on BETWEEN %s AND %s), 0), "  # noqa: S608
        "coalesce(sum(b.weight) FILTER (WHERE b.departed_on BETWEEN %s AND %s), 0), "
        "coalesce(sum(b.weight) FILTER (WHERE b.departed_on IS NULL AND b.year = %s), 0) "
        f"FROM ({base}) b"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                datetime.date(today.year, 1, 1),
                today,
                datetime.date(today.year - 1, 1, 1),
                last_until,
                today.year - 1,
                *params,
            ],
        )
        persons, last_persons, undated = cursor.fetchone()
    return YearToDate(today, int(persons), last_until, int(last_persons), int(undated))


# A clearance matters on the dashboard only for people still to travel.
TRAVELLED_STATUSES = (CaseStatus.DEPARTED, CaseStatus.ARRIVED, CaseStatus.CLOSED)


def clearances_closing(*, user, days: int, today: datetime.date) -> QuerySet:
    """Clearances closing within `days` of people still to travel: not of a household that has
    departed, arrived or closed, nor of a person whose departure is recorded."""
    flown = Traveller.objects.filter(booking__departure__isnull=False).values("individual_id")
    return (
        clearances_expiring(user=user, days=days, today=today)
        .exclude(individual__case__status__in=TRAVELLED_STATUSES)
        .exclude(individual_id__in=flown)
    )


def active_runs(*, user) -> QuerySet[ReportRun]:
    return runs_for(user=user).filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


def today() -> datetime.date:
    return timezone.localdate()
