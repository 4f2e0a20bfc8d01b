"""The report request and the history import filled in well but for one bad field or a bad
file: a form error, never a server error, nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import services
from reports.models import DepartureImport, ReportRun
from reports.presenters import present_figures

from .conftest import YEAR

BAD_YEARS = ["", "abc", "a\x00b", "-1", "0", "2007", "99999999999999999999999", "1e3", "x" * 5000]


@pytest.mark.parametrize("kind", ["yearly", "multi_year", "nonsense\x00"])
@pytest.mark.parametrize("field", ["year", "year_from", "year_to"])
def test_a_bad_year_is_a_form_error_and_no_run(client, manager, kind, field):
    client.force_login(manager)
    for value in BAD_YEARS:
        body = {"kind": kind, "year": 2020, "year_from": 2010, "year_to": 2020, field: value}
        page = client.post(reverse("reports:runs"), body)
        assert page.status_code in (302, 400), (field, value)
        if page.status_code == 400:
            assert page.context["form"].errors, (field, value)
    assert ReportRun.objects.filter(year_from__lt=2008).count() == 0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02" * 1000,
        "year,destination\n2010,USA\n".encode("utf-16"),
        b"\xff\xfe\xfa",
        b"year,destination,camp,sex,age_band,movement_type,persons\n0000-00-00,USA,,,,,1\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n9999-99-99,USA,,,,,1\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010,US\x00A,,,,,1\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010,USA,,,,,99999999999999\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010,USA,,,,,-3\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010,USA,,zz,zz,zz,1\n",
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010,USA,,,,,1\n" * 2,
        b"year,destination,camp,sex,age_band,movement_type,persons,birth_year\n"
        b"2010,USA,,,,,1,99999999999\n",
        b"a" * 300_000,
        b"year,destination,camp,sex,age_band,movement_type,persons\n2010," + b"a" * 300_000,
    ],
)
def test_a_bad_history_file_is_a_field_error_and_nothing_is_imported(client, manager, content):
    client.force_login(manager)
    page = client.post(
        reverse("reports:history"), {"file": SimpleUploadedFile("past.csv", content)}
    )
    assert page.status_code == 400
    assert page.context["form"].errors["file"]
    assert DepartureImport.objects.count() == 0


def test_a_drill_down_with_bad_cell_values_is_a_clear_refusal(
    client, manager, world, settings, tmp_path
):
    """Every figure's drill-down link with each of its values replaced by a bad one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    run, _created = services.run_request(user=manager, kind="yearly", year=YEAR)
    services.run_compute(run_id=run.pk)
    run.refresh_from_db()
    client.force_login(manager)
    client.raise_request_exception = False
    url = reverse("reports:drill", kwargs={"pk": run.pk})
    failures, walked = [], 0
    for table in present_figures(run.figures):
        cells = [cell for row in table.rows for cell in row.cells][:1]
        for cell in cells:
            query = {"table": table.key, "measure": cell.measure, **cell.dims}
            assert client.get(url, query).status_code == 200
            for key in query:
                for bad in ("\x00", "abc", "99999999999999999999999", "-1", ""):
                    walked += 1
                    for extra in ({}, {"format": "csv"}):
                        code = client.get(url, {**query, key: bad, **extra}).status_code
                        if code >= 500:
                            failures.append(f"{table.key} {key}={bad!r} {extra}: {code}")
    assert walked > 20
    assert not failures, "\n".join(failures)
