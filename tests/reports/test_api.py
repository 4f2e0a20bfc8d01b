"""The reports API: managers and administrators only; in the OpenAPI schema."""

import csv
import io

import pytest
from django.utils import timezone

from reports import services
from reports.models import ReportRun
from tests.api_clients import bearer_client, session_client
from tests.factories import CaseFactory
from tests.medical.factories import ClearedAssessmentFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/reports/runs/"


def test_a_manager_starts_a_run_and_reads_status_figures_and_files(
    manager, world, django_capture_on_commit_callbacks
):
    api = session_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]

    body = api.get(f"{RUNS}{run_id}/").json()
    assert body["status"] == "done"
    assert body["progress"] == 100
    total = next(r for r in body["figures"]["tables"]["assessments"] if r["level"] == "total")
    assert total["values"] == {"assessments": 4}
    csv_file = next(f for f in body["files"] if f["format"] == "csv")
    download = api.get(csv_file["url"])
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Report", f"Yearly figures {YEAR}"]


def test_asking_again_while_queued_answers_200_with_the_same_run(manager):
    api = session_client(manager)
    first = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json")
    again = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "yearly", "year": 2007}, "year"),
        ({"kind": "weekly", "year": 2020}, "kind"),
        ({"kind": "multi_year", "year_from": 1826, "year_to": 2025}, "year_to"),
        ({"kind": "yearly", "year": "soon"}, "year"),
    ],
)
def test_bad_input_answers_400_naming_the_field(manager, body, field):
    response = session_client(manager).post(RUNS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert ReportRun.objects.count() == 0


def test_approval_through_the_api_and_the_approved_list(
    manager, world, django_capture_on_commit_callbacks
):
    api = session_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        approved = api.post(f"{RUNS}{run_id}/approve/")
    assert approved.status_code == 200
    assert approved.json()["approved_by"] == "manager"
    again = api.post(f"{RUNS}{run_id}/approve/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_approved"

    listed = api.get("/api/v1/reports/approved/").json()["results"]
    assert [r["id"] for r in listed] == [run_id]
    assert {f["edition"] for f in listed[0]["files"]} == {"draft", "approved"}
    # A year's figures: the approved version unless asked for the live one.
    with django_capture_on_commit_callbacks(execute=True):
        newer = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json").json()["id"]
    assert api.get(f"/api/v1/reports/years/{YEAR}/").json()["id"] == run_id
    assert api.get(f"/api/v1/reports/years/{YEAR}/?live=true").json()["id"] == newer
    pdf = api.get(f"/api/v1/reports/years/{YEAR}/files/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_drill_down_through_the_api_counts_the_figure(
    manager, world, django_capture_on_commit_callbacks
):
    api = session_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json").json()["id"]
    body = api.get(f"{RUNS}{run_id}/cells/?table=departures_by_sex&measure=persons&sex=F").json()
    assert body["figure"] == body["count"] == 3
    assert len(body["rows"]) == 3
    assert set(body["rows"][0]) == {"case_id", "case_number", "person", "reference", "persons"}


@pytest.mark.parametrize(
    "role", ["caseworker", "clinician", "facilitator", "movement_officer", "partner"]
)
def test_other_roles_are_refused_and_nothing_is_written(request, role, manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR - 1)
    api = session_client(request.getfixturevalue(role))
    assert api.get(RUNS).status_code == 403
    assert api.get(f"{RUNS}{run.pk}/").status_code == 403
    assert api.post(RUNS, {"kind": "yearly", "year": YEAR}, format="json").status_code == 403
    assert api.post(f"{RUNS}{run.pk}/approve/").status_code == 403
    assert ReportRun.objects.count() == 1


def test_a_partner_token_may_not_use_the_reports_api(partner):
    assert bearer_client(partner, "cases:read").get(RUNS).status_code == 403


def test_the_run_list_has_a_fixed_number_of_queries(
    manager, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for year in (2015, 2016, 2017):
        services.run_request(user=manager, kind="yearly", year=year)
    api = session_client(manager)
    api.get(RUNS)  # warm the session
    # session, user, roles, count, runs, files
    with django_assert_num_queries(6):
        response = api.get(RUNS)
    assert response.json()["count"] == 3


def test_the_reports_api_is_in_the_openapi_schema(manager):
    schema = session_client(manager).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/reports/runs/",
        "/api/v1/reports/runs/{id}/",
        "/api/v1/reports/runs/{id}/approve/",
        "/api/v1/reports/runs/{id}/cells/",
        "/api/v1/reports/runs/{id}/files/{edition}/{fmt}/",
        "/api/v1/reports/approved/",
        "/api/v1/reports/years/{year}/",
        "/api/v1/reports/history-imports/",
    ):
        assert path in paths, path


def test_the_clearance_summary_carries_the_assessments_group_and_date(clinician, manager):
    assessment = ClearedAssessmentFactory(individual=CaseFactory().members.get())
    rows = session_client(manager).get("/api/v1/medical/clearances/expiring/?days=365").json()
    row = next(r for r in rows["results"] if r["id"] == assessment.pk)
    assert row["group"] == "refugee"
    assert row["assessed_on"] == (timezone.localdate() - timezone.timedelta(days=12)).isoformat()
