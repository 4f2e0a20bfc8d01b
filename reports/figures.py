"""Computing a report's figures: each table's one GROUP BY statement, and the names of what the
figures are counted by (stored with the figures, so an approved version keeps the names it was
approved with)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from cases.models import Country, Location, MovementType, Programme, SubmissionCategory

from .presenters import every_month
from .tables import (
    COUNTRY,
    LOCATION,
    MOVEMENT_TYPE,
    PROGRAMME,
    SUBMISSION_CATEGORY,
    Period,
    Table,
    aggregate_sql,
    group_dimensions,
    statement_groups,
    tables_for,
)

FIGURES_FORMAT = 1
# kind: (model, the field its values are named by)
NAMED_KINDS = {
    COUNTRY: (Country, "name"),
    LOCATION: (Location, "name"),
    MOVEMENT_TYPE: (MovementType, "name"),
    PROGRAMME: (Programme, "code"),
    SUBMISSION_CATEGORY: (SubmissionCategory, "name"),
}


def compute_tables(tables: list[Table], period: Period) -> dict[str, list[dict]]:
    """The rows of `tables` (sharing base rows and measures), from one statement. Each row has
    `dims` (the dimensions of this row; a dimension summed over is absent), `level` (detail,
    subtotal or total) and `values` (measure -> integer)."""
    sql, params = aggregate_sql(tables, period)
    keys = group_dimensions(tables)
    width = len(keys)
    measures = tables[0].measures
    out: dict[str, list[dict]] = {table.key: [] for table in tables}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for record in cursor.fetchall():
            grouping = record[width + len(measures)]
            present = {key for i, key in enumerate(keys) if not (grouping >> (width - 1 - i)) & 1}
            values = {m.key: int(record[width + j] or 0) for j, m in enumerate(measures)}
            for table in tables:
                if not any(set(s) == present for s in table.sets()):
                    continue
                if present == set(table.dimension_keys()):
                    level = "detail"
                elif not present:
                    level = "total"
                else:
                    level = "subtotal"
                dims = {key: record[i] for i, key in enumerate(keys) if key in present}
                out[table.key].append({"dims": dims, "level": level, "values": dict(values)})
    for table in tables:
        if period.year_from == period.year_to:
            out[table.key] = every_month(table, out[table.key])
        if not any(row["level"] == "total" for row in out[table.key]):
            # GROUPING SETS yield no grand-total row over no rows at all: the total is zero.
            out[table.key].append(
                {"dims": {}, "level": "total", "values": {m.key: 0 for m in measures}}
            )
    return out


def compute_table(table: Table, period: Period) -> list[dict]:
    return compute_tables([table], period)[table.key]


def names_for(tables: dict[str, list[dict]]) -> dict[str, dict[str, str]]:
    """{kind: {id: name}} for the countries, camps and movement types the rows mention."""
    wanted: dict[str, set] = {kind: set() for kind in NAMED_KINDS}
    from .tables import TABLES_BY_KEY

    for key, rows in tables.items():
        table = TABLES_BY_KEY[key]
        for dimension in table.dimensions:
            if dimension.kind in wanted:
                wanted[dimension.kind].update(
                    row["dims"][dimension.key]
                    for row in rows
                    if row["dims"].get(dimension.key) is not None
                )
    return {
        kind: {
            str(pk): name
            for pk, name in NAMED_KINDS[kind][0]
            .objects.filter(pk__in=ids)
            .values_list("pk", NAMED_KINDS[kind][1])
        }
        for kind, ids in wanted.items()
    }


def compute_figures(
    *,
    kind: str,
    year_from: int,
    year_to: int,
    progress: Callable[[int, int, Table], None] | None = None,
) -> dict:
    period = Period(year_from, year_to)
    groups = statement_groups(tables_for(kind))
    out: dict[str, list[dict]] = {}
    statements: list[dict] = []
    for done, group in enumerate(groups):
        if progress:
            progress(done, len(groups), group[0])
        started = time.perf_counter()
        out.update(compute_tables(group, period))
        statements.append(
            {
                "tables": [t.key for t in group],
                "seconds": round(time.perf_counter() - started, 4),
            }
        )
    return {
        "format": FIGURES_FORMAT,
        "kind": kind,
        "year_from": year_from,
        "year_to": year_to,
        "computed_at": timezone.now().isoformat(),
        "tables": out,
        "names": names_for(out),
        "statements": statements,
    }
