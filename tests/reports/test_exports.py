"""Exports people keep: the xlsx names its sheets in words in the report's language (at most 31
characters, unique), freezes each table's header rows, sets column widths, writes numbers as
numbers and prints the counting rule on each sheet; the PDF keeps a heading with its table."""

import io
import re

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import services
from reports.choices import ReportKind
from reports.exports import build_pdf, build_xlsx, sheet_name
from reports.models import ReportRun
from reports.tables import tables_for

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    return ReportRun.objects.get(pk=run.pk)


def _book(run):
    with run.files.get(edition="draft", format="xlsx").file.open("rb") as f:
        return load_workbook(io.BytesIO(f.read()))


def test_the_sheets_are_named_in_words_with_frozen_headers_widths_numbers_and_the_rule(computed):
    book = _book(computed)
    assert book.sheetnames == [
        "Report",
        "Departures by destination",
        "Departures by camp",
        "Departures by sex",
        "Departures by age band",
        "Departures by movement type",
        "Departures per month",
        "Health assessments",
        "Interviews facilitated",
        "Cultural orientation",
        "Vaccinations given",
        "Pre-embarkation checks",
        "Departures in cases",
        "Departures by nationality",
        "Departures by category",
        "Assessments by programme",
        "Interview decisions by case",
        "Cases by status at year end",
        "Orientation by sex",
        "Vaccinations by vaccine",
        "Assisted voluntary returns",
    ]
    assert len(book.sheetnames) == 1 + len(tables_for(ReportKind.YEARLY))
    assert all(len(name) <= 31 for name in book.sheetnames)
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert sheet.freeze_panes is not None and sheet["A1"].value
        assert re.fullmatch(r"[A-Z]+4", sheet.freeze_panes)  # the three header rows stay
        assert sheet["A2"].value.startswith("Counting rule: ")
        assert sheet.column_dimensions["A"].width >= 10
        total = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "Total")
        assert all(isinstance(v, int) for v in total if v not in ("Total", ""))
    camp = book["Departures by camp"]
    assert camp.freeze_panes == "C4"  # camp and destination labels stay in view
    assert [c.value for c in camp[3]] == [
        "Camp or location",
        "Destination country",
        "Persons",
        "of which imported",
    ]
    assert camp.column_dimensions["B"].width >= len("Destination country")
    total = [row for row in camp.iter_rows(values_only=True) if row[0] == "Total"][-1]
    assert total[2] == 5 and isinstance(total[2], int)


def test_the_sheets_are_named_in_the_reports_language(computed):
    with translation.override("fr"):
        names = load_workbook(io.BytesIO(build_xlsx(computed, approved=False))).sheetnames
    assert len(names) == len(set(names)) and all(len(n) <= 31 for n in names)
    assert names[0] != "Report" or names[1] != "Departures by destination"


def test_a_sheet_name_is_cut_at_a_word_made_safe_and_unique():
    used = set()
    assert sheet_name("Departures by destination country", used) == "Departures by destination"
    assert sheet_name("Departures by destination: country", used) == "Departures by destination (2)"
    assert sheet_name("a/b [c]*?", used) == "a b c"
    assert sheet_name("DEPARTURES BY DESTINATION", used) == "DEPARTURES BY DESTINATION (3)"
    assert all(len(n) <= 31 for n in used)


def test_the_pdf_never_ends_a_page_with_a_heading_left_from_its_table(computed):
    figures = computed.figures
    titles = {t.key: str(t.title) for t in tables_for(ReportKind.YEARLY)}
    firsts = {t.key: str(t.dimensions[0].label) for t in tables_for(ReportKind.YEARLY)}
    # Tables of growing length push every heading down the page, one line at a time.
    for extra in range(0, 48, 4):
        rows = [
            {
                "dims": {"destination": 10_000 + n},
                "level": "detail",
                "values": {"persons": n, "imported": 0},
            }
            for n in range(1, extra + 1)
        ]
        names = {"country": {str(10_000 + n): f"Country {n}" for n in range(1, extra + 1)}}
        run = ReportRun(
            kind="yearly",
            year_from=YEAR,
            year_to=YEAR,
            version=1,
            figures={
                **figures,
                "tables": {
                    **figures["tables"],
                    "departures_by_destination": [
                        *rows,
                        *figures["tables"]["departures_by_destination"],
                    ],
                },
                "names": {
                    **figures["names"],
                    "country": {**figures["names"].get("country", {}), **names["country"]},
                },
            },
        )
        pages = [
            p.extract_text() for p in PdfReader(io.BytesIO(build_pdf(run, approved=False))).pages
        ]
        for number, text in enumerate(pages):
            for key, title in titles.items():
                at = text.find(title + "\n")
                if at >= 0 and text.count(title) == 1:
                    assert firsts[key] in text[at:], (extra, number, title)
