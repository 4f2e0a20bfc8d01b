"""The files of a run: CSV, xlsx and PDF, each stating the report, the version, whether it is
approved (by whom, when) and when the figures were computed, and printing the same tables as
the page (reports.presenters). Also the streamed CSV of the records behind one figure.

Spreadsheet safety: a text cell beginning with =, +, -, @ (or a tab or carriage return) is
prefixed with an apostrophe in the CSV so no spreadsheet runs it; the xlsx writes every text as
text (XlsxWriter's strings_to_formulas and strings_to_urls off).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .charts import bar_chart
from .presenters import DisplayTable, month_names, month_series, present_figures

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class FileHeading:
    report: str
    version: int
    approval: str
    computed: str

    def lines(self) -> list[tuple[str, str]]:
        return [
            (_("Report"), self.report),
            (_("Version"), str(self.version)),
            (_("Approval"), self.approval),
            (_("Computed"), self.computed),
        ]


def heading_for(run, *, approved: bool) -> FileHeading:
    computed = run.figures.get("computed_at") if run.figures else None
    when = timezone.localtime(timezone.datetime.fromisoformat(computed)) if computed else None
    if approved and run.approved_at:
        who = run.approved_by.get_full_name() or run.approved_by.username
        approval = _("Approved by %(who)s on %(when)s") % {
            "who": who,
            "when": date_format(timezone.localtime(run.approved_at), "DATETIME_FORMAT"),
        }
    else:
        approval = _("Not approved (draft)")
    return FileHeading(
        report=f"{run.get_kind_display()} {run.years_label}",
        version=run.version,
        approval=approval,
        computed=date_format(when, "DATETIME_FORMAT") if when else "",
    )


def report_charts(figures: dict, tables: list[DisplayTable] | None = None) -> list[str]:
    """The report's charts as SVG, the same for the page and the PDF."""
    tables = tables if tables is not None else present_figures(figures)
    charts = []
    if "departures_by_month" in figures["tables"]:
        charts.append(
            bar_chart(
                title=_("Departures per month (persons)"),
                labels=month_names(),
                series=[(str(figures["year_from"]), month_series(figures))],
            )
        )
    for table in tables:
        if table.key == "departures_by_destination":
            details = [row for row in table.rows if row.level == "detail"]
            if details:
                charts.append(
                    bar_chart(
                        title=_("Departures by destination (persons)"),
                        labels=[row.labels[0] for row in details],
                        series=[("", [row.cells[0].value for row in details])],
                        horizontal=True,
                    )
                )
        if table.key == "departures_multi_year":
            total = table.rows[-1]
            years = table.columns[1:-2]
            charts.append(
                bar_chart(
                    title=_("Departures per year (persons)"),
                    labels=years,
                    series=[("", [cell.value for cell in total.cells[: len(years)]])],
                )
            )
    return charts


def _table_lines(table: DisplayTable) -> Iterator[list]:
    yield [table.title]
    yield [_("Counting rule"), table.rule]
    yield table.columns
    for row in table.rows:
        yield [*row.labels, *(cell.value for cell in row.cells)]
    yield []


def build_csv(run, *, approved: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for label, value in heading_for(run, approved=approved).lines():
        writer.writerow([neutralise(label), neutralise(value)])
    writer.writerow([])
    for table in present_figures(run.figures):
        for line in _table_lines(table):
            writer.writerow([neutralise(v) for v in line])
    return buffer.getvalue().encode("utf-8-sig")


SHEET_NAME_LENGTH = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
# Header rows of a table's sheet: its title, its counting rule, its column names.
HEADER_ROWS = 3


def sheet_name(title: str, used: set[str]) -> str:
    """A sheet's name from a table's title in the report's language: no character Excel
    refuses, at most 31 characters (cut at a word), and unique in the workbook (Excel compares
    names without regard to case)."""
    name = " ".join(title.translate(SHEET_NAME_FORBIDDEN).split()).strip("'") or "Table"
    if len(name) > SHEET_NAME_LENGTH:
        cut = name[:SHEET_NAME_LENGTH]
        name = cut.rsplit(" ", 1)[0] if " " in cut[10:] else cut
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        suffix = f" ({n})"
        candidate = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix
    used.add(candidate.casefold())
    return candidate


def _column_widths(table: DisplayTable) -> list[float]:
    """Each column as wide as its longest name or label (numbers: their digits), within bounds."""
    widths = [len(str(c)) for c in table.columns]
    for row in table.rows:
        for col, value in enumerate([*row.labels, *(cell.value for cell in row.cells)]):
            widths[col] = max(widths[col], len(str(value)))
    return [min(max(w + 2, 10), 50) for w in widths]


def build_xlsx(run, *, approved: bool) -> bytes:
    """The report as a workbook: a cover sheet stating what it is, then one sheet per table in
    the report's order, named by the table's title in the report's language, with its title,
    its counting rule and its column names frozen above the figures (numbers as numbers)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    title_format = book.add_format({"bold": True, "font_size": 13})
    rule_format = book.add_format({"text_wrap": True, "valign": "top", "font_color": "#555555"})
    header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
    number_header = book.add_format(
        {"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "right"}
    )
    total = book.add_format({"bold": True})
    number = book.add_format({"num_format": "#,##0"})
    number_total = book.add_format({"num_format": "#,##0", "bold": True})
    used: set[str] = set()
    cover = book.add_worksheet(sheet_name(_("Report"), used))
    for n, (label, value) in enumerate(heading_for(run, approved=approved).lines()):
        cover.write_string(n, 0, label, bold)
        cover.write_string(n, 1, value)
    cover.set_column(0, 0, 14)
    cover.set_column(1, 1, 60)
    for table in present_figures(run.figures):
        sheet = book.add_worksheet(sheet_name(table.sheet or table.title, used))
        widths = _column_widths(table)
        labels = len(table.columns) - len(table.rows[0].cells) if table.rows else 1
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.write_string(0, 0, table.title, title_format)
        rule = _("Counting rule: %(rule)s") % {"rule": table.rule}
        last = max(len(table.columns) - 1, 1)
        sheet.merge_range(1, 0, 1, last, rule, rule_format)
        # Enough height for the wrapped rule (about 1.1 characters per unit of width).
        per_line = max(sum(widths[: last + 1]) * 1.1, 20)
        sheet.set_row(1, 15 * (len(rule) // per_line + 1))
        for col, name in enumerate(table.columns):
            sheet.write_string(2, col, name, header if col < labels else number_header)
        for n, row in enumerate(table.rows, start=HEADER_ROWS):
            strong = row.level != "detail"
            for col, label in enumerate(row.labels):
                sheet.write_string(n, col, label, total if strong else None)
            for col, cell in enumerate(row.cells, start=len(row.labels)):
                sheet.write_number(n, col, cell.value, number_total if strong else number)
        # The title, rule and column names stay in view; so do the row labels.
        sheet.freeze_panes(HEADER_ROWS, labels)
    book.close()
    return buffer.getvalue()


class LocalOnlyFetcher:
    """WeasyPrint may read our own static files and data: URLs, nothing from the network."""

    def __new__(cls):
        from weasyprint.urls import URLFetcher

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                if url.startswith("data:"):
                    return super().fetch(url, headers)
                if url.startswith("file://"):
                    path = Path(url.removeprefix("file://").split("?")[0]).resolve()
                    roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
                    if any(path.is_relative_to(root) for root in roots):
                        return super().fetch(url, headers)
                raise ValueError(f"Not a local static file: {url}")

        return _Fetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def build_pdf(run, *, approved: bool) -> bytes:
    from weasyprint import HTML

    tables = present_figures(run.figures)
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "run": run,
            "heading": heading_for(run, approved=approved),
            "tables": tables,
            "charts": report_charts(run.figures, tables),
        },
    )
    return HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()


BUILDERS = {"csv": build_csv, "xlsx": build_xlsx, "pdf": build_pdf}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class _Echo:
    def write(self, value):
        return value


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV lines one at a time (memory stays flat however many rows there are)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(v) for v in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])
