"""Approval freezes a version; later changes show as "changed since approval"; the files state
what they are, match the tables, and are never rewritten."""

import csv
import io

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from openpyxl import load_workbook
from pypdf import PdfReader

from medical.models import HealthAssessment
from reports import services
from reports.checks import approval_check_request
from reports.errors import AlreadyApproved, NotApprovable
from reports.exports import neutralise
from reports.models import ReportFile, ReportRun
from reports.presenters import present_figures
from reports.selectors import changes_since_approval

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    run.refresh_from_db()
    return run


def approve(run, user, capture):
    with capture(execute=True):
        services.run_approve(run_id=run.pk, user=user)
    run.refresh_from_db()
    return run


def read(record: ReportFile) -> bytes:
    with record.file.open("rb") as f:
        return f.read()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_manager_approves_and_the_approved_files_say_so(
    computed, manager, django_capture_on_commit_callbacks
):
    run = approve(computed, manager, django_capture_on_commit_callbacks)

    assert run.approved_by == manager and run.approved_at is not None
    approved = {f.format: f for f in run.files.filter(edition="approved")}
    assert set(approved) == {"csv", "xlsx", "pdf"}
    heading = dict(csv_rows(read(approved["csv"]))[:4])
    assert heading["Version"] == "1"
    assert heading["Approval"].startswith("Approved by manager on ")
    draft = dict(csv_rows(read(run.files.get(edition="draft", format="csv")))[:4])
    assert draft["Approval"] == "Not approved (draft)"
    assert draft["Report"] == f"Yearly figures {YEAR}"
    assert draft["Computed"]


def test_a_second_approval_of_the_same_version_is_refused(
    computed, manager, administrator, django_capture_on_commit_callbacks
):
    run = approve(computed, manager, django_capture_on_commit_callbacks)
    with pytest.raises(AlreadyApproved) as refused:
        services.run_approve(run_id=run.pk, user=administrator)
    run.refresh_from_db()
    assert "already approved by manager" in str(refused.value.message)
    assert run.approved_by == manager


def test_an_unfinished_run_cannot_be_approved(manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    with pytest.raises(NotApprovable):
        services.run_approve(run_id=run.pk, user=manager)
    run.refresh_from_db()
    assert run.approved_at is None


def test_the_database_refuses_to_change_an_approved_versions_figures(
    computed, manager, django_capture_on_commit_callbacks
):
    run = approve(computed, manager, django_capture_on_commit_callbacks)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(figures={"tables": {}})
    with pytest.raises(DatabaseError), transaction.atomic():
        ReportFile.objects.filter(run=run).update(size=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReportFile.objects.filter(run=run).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(run=run, format="csv", edition="approved", size=1, sha256="x")


def test_an_edited_record_shows_as_changed_since_approval_and_the_approved_files_stay(
    computed, manager, world, django_capture_on_commit_callbacks, client
):
    run = approve(computed, manager, django_capture_on_commit_callbacks)
    before = {f.pk: read(f) for f in run.files.all()}
    # A clinician corrects an assessment's date into the next year.
    moved = HealthAssessment.objects.filter(
        individual=world.people["c1"][0], assessed_on__year=YEAR
    ).get()
    moved.assessed_on = moved.assessed_on.replace(year=YEAR + 1)
    moved.save()
    with django_capture_on_commit_callbacks(execute=True):
        newer, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        approval_check_request(run_id=run.pk)

    changes = changes_since_approval(run, user=manager)
    by_cell = {
        (d.table_key, d.cell, d.measure_key): (d.approved, d.current) for d in changes.differences
    }
    assert changes.newer.pk == newer.pk
    assert by_cell[("assessments", "Total", "assessments")] == (4, 3)
    assert by_cell[
        ("assessments", "Programme country: United States, Group: Refugee", "assessments")
    ] == (2, 1)
    # In each assessments table: the cell, its subtotal and the total.
    assert sorted(d.table_key for d in changes.differences) == [
        "assessments",
        "assessments",
        "assessments",
        "assessments_by_programme",
        "assessments_by_programme",
        "assessments_by_programme",
    ]
    assert {f.pk: read(f) for f in run.files.all()} == before

    client.force_login(manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Changed since approval" in page
    assert "Approved by manager" in page
    # The approved version is what the year's page and files serve, the new one with live=1.
    year_page = client.get(f"/reports/years/{YEAR}/").content.decode()
    assert "version 1" in year_page and "Changed since approval" in year_page
    live = client.get(f"/reports/years/{YEAR}/?live=1").content.decode()
    assert "version 2" in live
    served = b"".join(client.get(f"/reports/years/{YEAR}/files/csv/").streaming_content)
    assert served == read(run.files.get(edition="approved", format="csv"))
    served_live = b"".join(client.get(f"/reports/years/{YEAR}/files/csv/?live=1").streaming_content)
    assert served_live == read(newer.files.get(edition="draft", format="csv"))


def test_the_files_match_the_tables(computed):
    tables = present_figures(computed.figures)
    expected = []
    for table in tables:
        expected.append([table.title])
        for row in table.rows:
            expected.append([*row.labels, *(str(c.value) for c in row.cells)])

    rows = csv_rows(read(computed.files.get(format="csv", edition="draft")))
    data_rows = [r for r in rows if r and r[0] not in ("Counting rule",)]
    for line in expected:
        assert line in data_rows

    book = load_workbook(io.BytesIO(read(computed.files.get(format="xlsx", edition="draft"))))
    assert book["Report"]["B2"].value == "1"
    assert book["Report"]["B3"].value == "Not approved (draft)"
    sheet = book["Health assessments"]
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assessments = next(t for t in tables if t.key == "assessments")
    for row in assessments.rows:
        assert [*row.labels, *(c.value for c in row.cells)] in values
    # Values are numbers in the spreadsheet, not text.
    assert all(isinstance(line[-1], int) for line in values[3:] if line)

    text = " ".join(
        page.extract_text()
        for page in PdfReader(
            io.BytesIO(read(computed.files.get(format="pdf", edition="draft")))
        ).pages
    )
    assert f"Yearly figures {YEAR}" in text
    assert "Not approved (draft)" in text
    assert "Health assessments by programme country and group" in text
    assert "Counting rule" in text


def test_formula_like_text_is_neutralised_in_the_csv():
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("+1") == "'+1"
    assert neutralise("-1") == "'-1"
    assert neutralise("@SUM") == "'@SUM"
    assert neutralise("Mahama") == "Mahama"
    assert neutralise(5) == 5


def test_a_camp_named_like_a_formula_is_inert_in_csv_and_xlsx(
    manager, world, django_capture_on_commit_callbacks
):
    from cases.models import Location

    Location.objects.filter(name="Mahama").update(name="=cmd|'/c calc'!A1")
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    run.refresh_from_db()
    text = read(run.files.get(format="csv", edition="draft")).decode("utf-8-sig")
    assert "'=cmd|'/c calc'!A1" in text
    assert "\n=cmd" not in text and ",=cmd" not in text
    book = load_workbook(io.BytesIO(read(run.files.get(format="xlsx", edition="draft"))))
    cells = [c for row in book["Departures by camp"].iter_rows() for c in row if c.value]
    camp = next(c for c in cells if "cmd" in str(c.value))
    assert camp.data_type == "s"
