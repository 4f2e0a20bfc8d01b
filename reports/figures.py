"""Computing a report's figures: each table's one GROUP BY statement, and the names of what the
figures are counted by (stored with the figures, so an approved version keeps the names it was
approved with)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from cases.models import Country, Location, MovementType

from .tables import COUNTRY, LOCATION, MOVEMENT_TYPE, Period, Table, aggregate_sql, tables_for

FIGURES_FORMAT = 1
NAMED_KINDS = {COUNTRY: Country, LOCATION: Location, MOVEMENT_TYPE: MovementType}


def compute_table(table: Table, period: Period) -> list[dict]:
    """The table's rows: `dims` (the dimensions of this row; a dimension summed over is absent),
    `level` (detail, subtotal or total) and `values` (measure -> integer)."""
    sql, params = aggregate_sql(table, period)
    keys = table.dimension_keys()
    width = len(keys)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for record in cursor.fetchall():
            grouping = record[-1]
            dims = {
                key: record[i]
                for i, key in enumerate(keys)
                if not (grouping >> (width - 1 - i)) & 1
            }
            values = {m.key: int(record[width + j] or 0) for j, m in enumerate(table.measures)}
            if grouping == 0:
                level = "detail"
            elif grouping == (1 << width) - 1:
                level = "total"
            else:
                level = "subtotal"
            rows.append({"dims": dims, "level": level, "values": values})
    if not any(row["level"] == "total" for row in rows):
        # GROUPING SETS yield no grand-total row over no rows at all: the total is then zero.
        rows.append({"dims": {}, "level": "total", "values": {m.key: 0 for m in table.measures}})
    return rows


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
            for pk, name in NAMED_KINDS[kind].objects.filter(pk__in=ids).values_list("pk", "name")
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
    tables = tables_for(kind)
    out: dict[str, list[dict]] = {}
    seconds: dict[str, float] = {}
    for done, table in enumerate(tables):
        if progress:
            progress(done, len(tables), table)
        started = time.perf_counter()
        out[table.key] = compute_table(table, period)
        seconds[table.key] = round(time.perf_counter() - started, 4)
    return {
        "format": FIGURES_FORMAT,
        "kind": kind,
        "year_from": year_from,
        "year_to": year_to,
        "computed_at": timezone.now().isoformat(),
        "tables": out,
        "names": names_for(out),
        "seconds": seconds,
    }
