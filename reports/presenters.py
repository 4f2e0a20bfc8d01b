"""The figures as people read them: each table's heading, rule, columns and rows with names in
the reader's language. The page, the CSV, the xlsx and the PDF all print what this builds, so
the files match the tables on the page exactly."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from cases.choices import CaseStatus, InterviewDecision, InterviewKind, Sex
from medical.choices import AssessmentGroup, CheckResult, Vaccine

from .choices import AgeBand
from .tables import (
    AGE_BAND,
    CASE_STATUS,
    COUNTRY,
    DECISION,
    GROUP,
    INTERVIEW_KIND,
    MONTH,
    RESULT,
    SEX,
    TABLES_BY_KEY,
    VACCINE,
    YEAR,
    Table,
)

NOT_RECORDED = "__none__"
ENUMS = {
    CASE_STATUS: CaseStatus,
    DECISION: InterviewDecision,
    VACCINE: Vaccine,
    SEX: Sex,
    AGE_BAND: AgeBand,
    GROUP: AssessmentGroup,
    RESULT: CheckResult,
    INTERVIEW_KIND: InterviewKind,
}


@dataclass
class Cell:
    value: int
    # The cell's address for the drill-down: {dimension: value or NOT_RECORDED}, measure.
    dims: dict
    measure: str


@dataclass
class Row:
    labels: list[str]
    cells: list[Cell]
    level: str


@dataclass
class DisplayTable:
    key: str
    title: str
    rule: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    has_imported: bool = False
    # The name of its sheet in a spreadsheet (the title, or a shorter one).
    sheet: str = ""


def value_label(kind: str, value, names: dict) -> str:
    if value is None:
        return _("not recorded")
    if kind in ENUMS:
        try:
            return str(ENUMS[kind](value).label)
        except ValueError:
            return str(value)
    if kind == MONTH:
        return str(MONTHS[int(value)])
    if kind == YEAR:
        return str(value)
    return names.get(kind, {}).get(str(value), str(value))


def _order_key(kind: str, value, label: str):
    if value is None:
        return (2, "")
    if kind in ENUMS:
        members = list(ENUMS[kind].values)
        return (0, members.index(value) if value in members else len(members))
    if kind in (MONTH, YEAR):
        return (0, int(value))
    return (0, label.casefold())


def _address(dims: dict) -> dict:
    return {k: (NOT_RECORDED if v is None else v) for k, v in dims.items()}


def every_month(table: Table, rows: list[dict]) -> list[dict]:
    """A table by month lists every month, those without a figure as zeros (a year's figures
    read month by month must not skip the months nothing happened in)."""
    keys = table.dimension_keys()
    if keys != ["month"]:
        return rows
    present = {row["dims"].get("month") for row in rows if row["level"] == "detail"}
    zeros = {m.key: 0 for m in table.measures}
    missing = [
        {"dims": {"month": month}, "level": "detail", "values": dict(zeros)}
        for month in range(1, 13)
        if month not in present
    ]
    return [*rows, *missing]


def present_table(table: Table, rows: list[dict], names: dict) -> DisplayTable:
    """Detail rows in order, each subtotal after its group, the grand total last; a table by
    month lists all twelve months."""
    rows = every_month(table, rows)
    display = DisplayTable(
        key=table.key,
        title=str(table.title),
        rule=str(table.rule),
        columns=[str(d.label) for d in table.dimensions] + [str(m.label) for m in table.measures],
        sheet=str(table.sheet or table.title),
    )

    def sort_key(row):
        key = []
        for dimension in table.dimensions:
            if dimension.key in row["dims"]:
                value = row["dims"][dimension.key]
                label = value_label(dimension.kind, value, names)
                key.append((0, _order_key(dimension.kind, value, label)))
            else:
                key.append((1,))
        return key

    for row in sorted(rows, key=sort_key):
        labels = []
        for dimension in table.dimensions:
            if dimension.key in row["dims"]:
                labels.append(value_label(dimension.kind, row["dims"][dimension.key], names))
            elif row["level"] == "total":
                labels.append(_("Total") if not labels else "")
            else:
                labels.append(_("Total"))
        cells = [
            Cell(row["values"].get(m.key, 0), _address(row["dims"]), m.key) for m in table.measures
        ]
        display.rows.append(Row(labels=labels, cells=cells, level=row["level"]))
        if row["values"].get("imported"):
            display.has_imported = True
    return display


def present_pivot(table: Table, rows: list[dict], names: dict, years: list[int]) -> DisplayTable:
    """The multi-year table: one row per destination, one column per year, then the totals."""
    display = DisplayTable(
        key=table.key,
        title=str(table.title),
        rule=str(table.rule),
        sheet=str(table.sheet or table.title),
        columns=[str(table.dimensions[0].label)]
        + [str(y) for y in years]
        + [_("Total"), str(table.measure("imported").label)],
    )
    by_address = {
        (row["dims"].get("destination", "*"), row["dims"].get("year", "*")): row for row in rows
    }
    destinations = sorted(
        {row["dims"]["destination"] for row in rows if "destination" in row["dims"]},
        key=lambda v: _order_key(COUNTRY, v, value_label(COUNTRY, v, names)),
    )

    def cells_for(destination) -> list[Cell]:
        cells = []
        for year in years:
            row = by_address.get((destination, year))
            dims = {"year": year}
            if destination != "*":
                dims["destination"] = destination
            cells.append(Cell(row["values"]["persons"] if row else 0, _address(dims), "persons"))
        total = by_address.get((destination, "*"))
        dims = {} if destination == "*" else {"destination": destination}
        cells.append(Cell(total["values"]["persons"] if total else 0, _address(dims), "persons"))
        cells.append(Cell(total["values"]["imported"] if total else 0, _address(dims), "imported"))
        return cells

    for destination in destinations:
        label = value_label(COUNTRY, destination, names)
        display.rows.append(Row(labels=[label], cells=cells_for(destination), level="detail"))
    display.rows.append(Row(labels=[_("Total")], cells=cells_for("*"), level="total"))
    display.has_imported = any(row["values"].get("imported") for row in rows)
    return display


def table_keys_in_order(figures: dict) -> list[str]:
    """The keys of a run's tables in the report's own order (reports.tables.TABLES), never in
    the stored JSON's order: PostgreSQL's jsonb keeps object keys sorted by length, so an
    approved version read back from the database would list its tables in another order."""
    stored = figures["tables"]
    known = [key for key in TABLES_BY_KEY if key in stored]
    # A table an older version has and today's report no longer defines keeps its place last.
    return known + sorted(key for key in stored if key not in TABLES_BY_KEY)


def ordered_tables(figures: dict) -> dict[str, list[dict]]:
    """A run's stored tables as a dict in the report's own order."""
    return {key: figures["tables"][key] for key in table_keys_in_order(figures)}


def present_figures(figures: dict) -> list[DisplayTable]:
    """Every table of a run as people read it, in the report's own order (whatever order the
    stored figures came back in): the page, the CSV, the xlsx and the PDF print this list."""
    names = figures.get("names", {})
    years = list(range(figures["year_from"], figures["year_to"] + 1))
    out = []
    for key in table_keys_in_order(figures):
        rows = figures["tables"][key]
        table = TABLES_BY_KEY.get(key)
        if table is None:
            continue  # nothing left to name its columns by
        if any(d.kind == YEAR for d in table.dimensions):
            out.append(present_pivot(table, rows, names, years))
        else:
            out.append(present_table(table, rows, names))
    return out


def month_series(figures: dict | None) -> list[int]:
    """Persons departed in each month 1..12 (imported figures without a month left out)."""
    series = [0] * 12
    if not figures:
        return series
    for row in figures["tables"].get("departures_by_month", []):
        month = row["dims"].get("month")
        if row["level"] == "detail" and month:
            series[int(month) - 1] = row["values"]["persons"]
    return series


def month_names(*, long: bool = False) -> list[str]:
    """The twelve months' names in the reader's language (abbreviated for chart labels)."""
    if long:
        return [str(MONTHS[m]) for m in range(1, 13)]
    return [str(MONTHS[m])[:3] for m in range(1, 13)] or list(calendar.month_abbr)[1:]


def cell_map(figures: dict) -> dict[tuple, int]:
    """{(table, sorted dims, measure): value}: the cells two versions are compared by."""
    out = {}
    for key, rows in figures["tables"].items():
        for row in rows:
            dims = tuple(sorted((k, v) for k, v in row["dims"].items()))
            for measure, value in row["values"].items():
                out[(key, dims, measure)] = value
    return out


def describe_cell(key: str, dims: tuple, figures: dict) -> str:
    table = TABLES_BY_KEY[key]
    names = figures.get("names", {})
    values = dict(dims)
    parts = [
        f"{d.label}: {value_label(d.kind, values[d.key], names)}"
        for d in table.dimensions
        if d.key in values
    ]
    return ", ".join(parts) or _("Total")
