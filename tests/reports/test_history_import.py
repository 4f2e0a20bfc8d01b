"""Importing departures from before the system: line by line, all or nothing, never twice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import NotPermitted
from reports import services
from reports.errors import ImportRefused
from reports.figures import compute_figures
from reports.history import history_import
from reports.models import DepartureImport, ImportedDeparture

pytestmark = pytest.mark.django_db

HEADER = "year,date,destination,camp,sex,age_band,birth_year,movement_type,persons\n"
GOOD = (
    HEADER
    + "2010,,USA,Kiziba,F,18-59,,refugee_resettlement,12\n"
    + ",2011-03-04,Canada,Mahama,M,,2000,Family reunification,3\n"
    + "2011,,NOR,,,,,,5\n"
)


def refused(user, content, name="past.csv"):
    with pytest.raises(ImportRefused) as error:
        history_import(user=user, file_name=name, content=content)
    assert DepartureImport.objects.count() == 0 or name == "again.csv"
    return error.value


def test_a_good_file_is_imported_and_counted_as_imported(manager):
    batch = history_import(user=manager, file_name="past.csv", content=GOOD.encode())

    assert (batch.rows, batch.persons) == (3, 20)
    line = ImportedDeparture.objects.get(line=3)
    assert line.year == 2011 and line.departed_on.isoformat() == "2011-03-04"
    assert line.age_band == "5-11"  # born 2000, departed 2011: 11 in that year
    figures = compute_figures(kind="multi_year", year_from=2010, year_to=2011)
    total = next(r for r in figures["tables"]["departures_multi_year"] if r["level"] == "total")
    assert total["values"] == {"persons": 20, "imported": 20}


def test_the_same_file_again_adds_nothing(manager):
    history_import(user=manager, file_name="past.csv", content=GOOD.encode())
    error = refused(manager, GOOD.encode(), name="again.csv")

    assert "already imported" in str(error.message)
    assert ImportedDeparture.objects.count() == 3


def test_a_file_overlapping_an_earlier_import_is_refused_line_by_line(manager):
    history_import(user=manager, file_name="past.csv", content=GOOD.encode())
    overlapping = HEADER + "2010,,USA,Kiziba,F,18-59,,refugee_resettlement,12\n2012,,USA,,,,,,1\n"
    error = refused(manager, overlapping.encode(), name="again.csv")

    assert error.errors == [{"line": 2, "reasons": ["already imported from “past.csv”, line 2"]}]
    assert ImportedDeparture.objects.count() == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + "2010,,USA,,,,,,-3\n", "persons “-3” is not a whole number above zero"),
        (HEADER + "2010,,USA,,,,,,0\n", "persons “0” is not a whole number above zero"),
        (HEADER + "2007,,USA,,,,,,3\n", "year 2007 is not between 2008"),
        (HEADER + "2010,,Atlantis,,,,,,3\n", "unknown destination “Atlantis”"),
        (HEADER + "2010,,USA,Narnia,,,,,3\n", "unknown camp “Narnia”"),
        (HEADER + "2010,,USA,,Q,,,,3\n", "sex “Q” is not F, M or X"),
        (HEADER + "2010,2011-01-01,USA,,,,,,3\n", "year 2010 and date 2011-01-01 disagree"),
        (HEADER + ",,USA,,,,,,3\n", "give the year or the date of departure"),
        (HEADER + "2010,,USA,,,,,teleport,3\n", "unknown movement type “teleport”"),
    ],
)
def test_each_bad_line_is_reported_with_its_number_and_reason(manager, content, expected):
    good_first = content.replace(HEADER, HEADER + "2009,,USA,,,,,,1\n")
    error = refused(manager, good_first.encode())

    assert error.errors[0]["line"] == 3
    assert any(expected in reason for reason in error.errors[0]["reasons"])
    assert ImportedDeparture.objects.count() == 0


def test_duplicate_lines_are_refused(manager):
    content = HEADER + "2010,,USA,,,,,,3\n2010,,USA,,,,,,3\n"
    error = refused(manager, content.encode())
    assert error.errors == [{"line": 3, "reasons": ["repeats line 2"]}]


def test_missing_columns_are_named(manager):
    error = refused(manager, b"year,destination,persons\n2010,USA,3\n")
    assert "camp" in str(error.message) and "age_band / birth_year" in str(error.message)


def test_a_file_not_in_utf8_is_refused(manager):
    content = (HEADER + "2010,,USA,Kiziba,F,,,,3\n").encode("utf-8") + "Gisenyi é".encode("latin-1")
    error = refused(manager, content)
    assert "not in UTF-8" in str(error.message)


@pytest.mark.parametrize("role", ["caseworker", "clinician", "movement_officer", "facilitator"])
def test_only_managers_and_administrators_import(request, role):
    with pytest.raises(NotPermitted):
        history_import(user=request.getfixturevalue(role), file_name="x.csv", content=GOOD.encode())
    assert ImportedDeparture.objects.count() == 0


def test_an_administrator_imports_through_the_page_and_sees_bad_lines(administrator, client):
    client.force_login(administrator)
    url = reverse("reports:history")
    bad = SimpleUploadedFile("bad.csv", (HEADER + "2010,,USA,,,,,,-1\n").encode())
    response = client.post(url, {"file": bad})
    page = response.content.decode()

    assert response.status_code == 400
    assert "persons “-1” is not a whole number above zero" in page
    assert ImportedDeparture.objects.count() == 0

    response = client.post(url, {"file": SimpleUploadedFile("good.csv", GOOD.encode())})
    assert response.status_code == 302
    assert ImportedDeparture.objects.count() == 3
    assert "good.csv" in client.get(url).content.decode()


def test_the_api_imports_and_lists_bad_lines(manager, client):
    client.force_login(manager)
    url = "/api/v1/reports/history-imports/"
    bad = SimpleUploadedFile("bad.csv", (HEADER + "2010,,USA,,,,,,-1\n").encode())
    response = client.post(url, {"file": bad})

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["field"] == "file"
    assert body["lines"][0]["line"] == 2
    assert ImportedDeparture.objects.count() == 0
    response = client.post(url, {"file": SimpleUploadedFile("good.csv", GOOD.encode())})
    assert response.status_code == 201
    assert response.json()["persons"] == 20


def test_imported_years_show_as_imported_on_the_report(
    manager, client, django_capture_on_commit_callbacks
):
    history_import(user=manager, file_name="past.csv", content=GOOD.encode())
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=2010)
    client.force_login(manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "includes imported figures" in page
