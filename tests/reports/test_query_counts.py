"""Lists keep the same number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import services
from reports.history import history_import
from tests.api_clients import session_client

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_the_drill_down_page_has_a_fixed_number_of_queries(
    client, manager, world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    client.force_login(manager)
    url = reverse("reports:drill", kwargs={"pk": run.pk})
    client.get(url + "?table=assessments&measure=assessments")
    # session, user, roles, run, count, rows
    with django_assert_num_queries(6):
        few = client.get(
            url + "?table=assessments&measure=assessments&programme_country="
            f"{world.cases['c2'].destination_country_id}"
        )
    with django_assert_num_queries(6):
        many = client.get(url + "?table=assessments&measure=assessments")
    assert few.status_code == many.status_code == 200


def test_the_history_page_and_the_approved_list_have_a_fixed_number_of_queries(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("reports:history")
    client.get(url)
    one = queries(lambda: client.get(url))
    for n in range(3):
        history_import(
            user=manager,
            file_name=f"{n}.csv",
            content=f"year,destination,camp,sex,age_band,movement_type,persons\n201{n},USA,,,,,1\n".encode(),
        )
    assert queries(lambda: client.get(url)) == one
    api = session_client(manager)
    api.get("/api/v1/reports/approved/")
    # session, user, roles, count (no approved version: no page of rows)
    with django_assert_num_queries(4):
        api.get("/api/v1/reports/approved/")


def test_the_changes_since_approval_panel_takes_the_same_queries_for_more_changes(
    client, manager, world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from cases.models import Individual
    from reports.checks import approval_check_request

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    services.run_approve(run_id=run.pk, user=manager)
    client.force_login(manager)
    url = reverse("reports:run_changes", kwargs={"pk": run.pk})

    def check():
        with django_capture_on_commit_callbacks(execute=True):
            approval_check_request(run_id=run.pk)

    Individual.objects.filter(pk=world.people["c1"][1].pk).update(sex="F")
    check()
    client.get(url)
    # the request (session, user, roles), the run, its checks, a newer version, and the names:
    # people, cases, visible cases, imported lines
    with django_assert_num_queries(9):
        one = client.get(url)
    Individual.objects.filter(case=world.cases["c2"]).update(sex="M")
    Individual.objects.filter(case=world.cases["c1"]).update(date_of_birth="1950-01-01")
    check()
    with django_assert_num_queries(9):
        many = client.get(url)
    assert one.status_code == many.status_code == 200
    assert many.content.decode().count("<tr>") > one.content.decode().count("<tr>")
