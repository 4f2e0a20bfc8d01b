"""Every edition and format of a report lists its tables in the report's own order
(reports.tables.TABLES), never in the order the stored figures come back from the database
(PostgreSQL's jsonb sorts object keys by length: "orientation" before "departures_by_camp")."""

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import services
from reports.choices import ReportKind
from reports.models import ReportRun
from reports.presenters import present_figures
from reports.tables import tables_for

from .conftest import YEAR

pytestmark = pytest.mark.django_db

TITLES = [str(t.title) for t in tables_for(ReportKind.YEARLY)]
KEYS = [t.key for t in tables_for(ReportKind.YEARLY)]


@pytest.fixture
def approved(manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_approve(run_id=run.pk, user=manager)
    return ReportRun.objects.get(pk=run.pk)  # read back: the stored JSON's own key order


def _read(run, edition, fmt) -> bytes:
    with run.files.get(edition=edition, format=fmt).file.open("rb") as f:
        return f.read()


def test_the_stored_figures_come_back_in_another_order_than_the_reports(approved):
    # The premise: without putting them in order, the tables would print in the JSON's order.
    assert list(approved.figures["tables"]) != KEYS


@pytest.mark.parametrize("edition", ["draft", "approved"])
def test_every_file_of_every_edition_lists_the_tables_in_the_reports_order(approved, edition):
    rows = list(csv.reader(io.StringIO(_read(approved, edition, "csv").decode("utf-8-sig"))))
    titles = [row[0] for row in rows if len(row) == 1 and row[0] in TITLES]
    assert titles == TITLES

    book = load_workbook(io.BytesIO(_read(approved, edition, "xlsx")))
    sheet_titles = [book[name]["A1"].value for name in book.sheetnames[1:]]
    assert sheet_titles == TITLES

    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(_read(approved, edition, "pdf"))).pages
    )
    # The charts come first (their titles differ); from the first table on, each table's
    # title follows the one before.
    position = text.index(TITLES[0])
    for title in TITLES[1:]:
        position = text.index(title, position + 1)


def test_the_page_and_the_api_list_the_tables_in_the_reports_order(approved, client, manager):
    assert [t.key for t in present_figures(approved.figures)] == KEYS
    client.force_login(manager)
    page = client.get(f"/reports/years/{YEAR}/").content.decode()
    positions = [page.index(f'id="t-{key}"') for key in KEYS]
    assert positions == sorted(positions)
    figures = client.get(f"/api/v1/reports/years/{YEAR}/").json()["figures"]
    assert figures["table_order"] == KEYS and list(figures["tables"]) == KEYS
