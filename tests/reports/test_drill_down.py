"""From any figure to the persons and cases behind it: the list counts what the figure counts."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from cases.models import Case
from reports import selectors, services
from reports.errors import DrillDownRefused
from reports.history import history_import
from reports.presenters import NOT_RECORDED

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    run.refresh_from_db()
    return run


def cells(run):
    for table, rows in run.figures["tables"].items():
        for row in rows:
            for measure, value in row["values"].items():
                dims = {k: (NOT_RECORDED if v is None else v) for k, v in row["dims"].items()}
                yield table, measure, dims, value


def test_every_figure_of_the_year_drills_down_to_as_many_records(run, manager):
    checked = 0
    for table, measure, dims, value in cells(run):
        drill = selectors.drill_down(
            user=manager, run=run, table_key=table, measure=measure, raw_cell=dims
        )
        assert drill.count() == value, (table, measure, dims)
        assert sum(r["persons"] for r in drill.page(offset=0, limit=10_000)) == value
        checked += 1
    assert checked > 50


def test_imported_figures_drill_down_to_their_file_lines(manager, db):
    content = (
        b"year,destination,camp,sex,age_band,movement_type,persons\n"
        b"2010,USA,Kiziba,F,18-59,refugee_resettlement,7\n"
        b"2010,CAN,,,,,4\n"
    )
    history_import(user=manager, file_name="2010.csv", content=content)
    run, _ = services.run_request(user=manager, kind="multi_year", year_from=2009, year_to=2011)
    services.run_compute(run_id=run.pk)
    run.refresh_from_db()
    for table, measure, dims, value in cells(run):
        drill = selectors.drill_down(
            user=manager, run=run, table_key=table, measure=measure, raw_cell=dims
        )
        assert drill.count() == value
    drill = selectors.drill_down(
        user=manager, run=run, table_key="departures_multi_year", measure="imported", raw_cell={}
    )
    assert [r["reference"] for r in drill.page(offset=0, limit=10)] == [
        "2010.csv #2",
        "2010.csv #3",
    ]


def test_the_page_lists_case_numbers_and_names_and_no_medical_detail(run, manager, client, world):
    client.force_login(manager)
    url = reverse("reports:drill", kwargs={"pk": run.pk})
    response = client.get(url + "?" + urlencode({"table": "assessments", "measure": "assessments"}))
    page = response.content.decode()

    assert response.status_code == 200
    assert world.cases["c1"].case_number in page
    assert world.people["c1"][0].family_name in page
    assert "malaria" not in page.lower() and "B2" not in page  # the factory's medical history


def test_the_records_behind_a_figure_download_as_csv(run, manager, client, world):
    client.force_login(manager)
    url = reverse("reports:drill", kwargs={"pk": run.pk})
    query = urlencode({"table": "departures_by_destination", "measure": "persons", "format": "csv"})
    response = client.get(f"{url}?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert response.status_code == 200
    assert len(rows) - 1 == 5  # header + the 5 persons who departed in YEAR
    assert {r[1] for r in rows[1:]} == {
        world.cases["c1"].case_number,
        world.cases["c2"].case_number,
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"table": "nope", "measure": "persons"}, "table"),
        ({"table": "assessments", "measure": "nope"}, "measure"),
        ({"table": "assessments", "measure": "assessments", "colour": "red"}, "colour"),
        ({"table": "assessments", "measure": "assessments", "programme_country": "x"}, "p"),
    ],
)
def test_a_bad_cell_address_is_refused(run, manager, client, query, field):
    client.force_login(manager)
    response = client.get(reverse("reports:drill", kwargs={"pk": run.pk}) + "?" + urlencode(query))
    assert response.status_code == 400


def test_rows_the_user_may_not_see_refuse_the_whole_list(run, manager, world, monkeypatch, client):
    """A reader limited to one destination (as a partner is) asking for another country's
    figure is refused: never a partial list that does not add up to the figure."""
    monkeypatch.setattr(selectors, "sees_every_case", lambda user: False)
    monkeypatch.setattr(
        selectors,
        "case_visible_to",
        lambda user: Case.objects.filter(destination_country__iso_code="USA"),
    )
    can = world.cases["c2"].destination_country_id
    usa = world.cases["c1"].destination_country_id
    with pytest.raises(DrillDownRefused):
        selectors.drill_down(
            user=manager,
            run=run,
            table_key="departures_by_destination",
            measure="persons",
            raw_cell={"destination": can},
        )
    allowed = selectors.drill_down(
        user=manager,
        run=run,
        table_key="departures_by_destination",
        measure="persons",
        raw_cell={"destination": usa},
    )
    assert allowed.count() == 2
    client.force_login(manager)
    response = client.get(
        reverse("reports:drill", kwargs={"pk": run.pk})
        + "?"
        + urlencode(
            {"table": "departures_by_destination", "measure": "persons", "destination": can}
        )
    )
    assert response.status_code == 403
    assert world.people["c2"][0].family_name not in response.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "clinician", "facilitator", "movement_officer"])
def test_other_roles_may_not_drill_down(request, run, client, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(
        reverse("reports:drill", kwargs={"pk": run.pk}) + "?table=assessments&measure=assessments"
    )
    assert response.status_code == 403
