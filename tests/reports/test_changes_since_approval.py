""" "Changed since approval" is always current: opening an approved version (page or API) or the
nightly sweep compares it with today's records, without a recompute, and names the records that
entered and left each changed figure, for those who may see them."""

import pytest
from django.urls import reverse

from cases.models import Individual
from reports import services, tasks
from reports.checks import approval_check_request, changes_since_approval
from reports.models import ApprovalCheck, ReportRun, RunRecord

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_approve(run_id=run.pk, user=manager)
    run.refresh_from_db()
    return run


def _sex_changed(world) -> Individual:
    """A clerk corrects the sex of c1's child (departed in YEAR) from male to female."""
    child = world.people["c1"][1]
    assert child.sex == "M"
    Individual.objects.filter(pk=child.pk).update(sex="F", given_name="Amani", family_name="Uwase")
    child.refresh_from_db()
    return child


def test_a_computed_year_keeps_the_records_it_counted(approved, world):
    departures = RunRecord.objects.filter(run=approved, base="departures_base")
    # c1 (2 people) and c2 (3 people) departed in YEAR.
    assert departures.count() == 5
    child = departures.get(individual_id=world.people["c1"][1].pk)
    assert child.dims["sex"] == "M" and child.case_id == world.cases["c1"].pk


def test_opening_the_approved_page_flags_a_changed_record_without_a_recompute(
    approved, world, client, manager, django_capture_on_commit_callbacks
):
    child = _sex_changed(world)
    runs_before = ReportRun.objects.count()
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.get(approved.get_absolute_url())
    page = client.get(approved.get_absolute_url()).content.decode()

    assert ReportRun.objects.count() == runs_before  # no new version
    assert "Changed since approval" in page
    assert "Compared with today's records as they stood at" in page
    assert child.full_name in page and world.cases["c1"].case_number in page
    changes = changes_since_approval(approved, user=manager)
    by_cell = {(d.table_key, d.cell, d.measure_key): d for d in changes.differences}
    male = by_cell[("departures_by_sex", "Sex: Male", "persons")]
    female = by_cell[("departures_by_sex", "Sex: Female", "persons")]
    assert (male.approved, male.current) == (2, 1)
    assert (female.approved, female.current) == (3, 4)
    assert [r.person for r in male.left] == [child.full_name] and male.entered == []
    assert [r.person for r in female.entered] == [child.full_name] and female.left == []
    assert male.left_count == 1 and female.entered_count == 1
    # Only the sex table changed: the totals and the other tables did not.
    assert {d.table_key for d in changes.differences} == {"departures_by_sex"}


def test_the_years_page_and_api_check_on_opening_and_name_the_records(
    approved, world, client, manager, django_capture_on_commit_callbacks
):
    child = _sex_changed(world)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/reports/years/{YEAR}/")
    assert "Changed since approval" in client.get(f"/reports/years/{YEAR}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.get(f"/api/v1/reports/years/{YEAR}/").json()
    changes = answer["changes_since_approval"]
    assert answer["version"] == approved.version and changes["changed"] is True
    assert changes["checked_at"] and changes["records_known"] is True
    male = next(
        d
        for d in changes["differences"]
        if d["table"] == "departures_by_sex" and d["dims"]
        if d["dims"].get("sex") == "M"
    )
    assert (male["approved"], male["current"]) == (2, 1)
    assert male["left"][0]["person"] == child.full_name
    assert male["left"][0]["case_number"] == world.cases["c1"].case_number
    assert male["entered"] == [] and male["left_count"] == 1


def test_an_unchanged_year_says_so_after_its_check(
    approved, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(approved.get_absolute_url())
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "No change since approval" in page
    check = ApprovalCheck.objects.filter(run=approved, status="done").get()
    assert check.differences == [] and check.checked_at is not None


def test_the_nightly_sweep_checks_every_approved_year(
    approved, world, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        older, _ = services.run_request(user=manager, kind="yearly", year=YEAR - 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_approve(run_id=older.pk, user=manager)
    older.refresh_from_db()
    _sex_changed(world)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_approved_years() == 2

    assert set(ApprovalCheck.objects.filter(status="done").values_list("run", flat=True)) == {
        approved.pk,
        older.pk,
    }
    assert changes_since_approval(approved, user=manager).differences
    # YEAR-1 holds c4's departure only, whose record did not change.
    assert changes_since_approval(older, user=manager).differences == []


def test_without_a_user_who_may_see_the_case_nobody_is_named(
    approved, world, django_capture_on_commit_callbacks
):
    child = _sex_changed(world)
    with django_capture_on_commit_callbacks(execute=True):
        approval_check_request(run_id=approved.pk)
    changes = changes_since_approval(approved, user=None)
    left = next(d for d in changes.differences if d.dims == {"sex": "M"}).left
    assert [r.person for r in left] == ["a person in a case outside what you may see"]
    assert child.full_name not in str(changes.differences)


def test_a_second_request_while_a_check_is_queued_returns_it(approved):
    first = approval_check_request(run_id=approved.pk)
    second = approval_check_request(run_id=approved.pk)
    assert first.pk == second.pk
    assert ApprovalCheck.objects.filter(run=approved).count() == 1


def test_a_version_approved_before_records_were_kept_still_lists_changed_figures(
    approved, world, manager, django_capture_on_commit_callbacks
):
    RunRecord.objects.filter(run=approved).delete()
    _sex_changed(world)
    with django_capture_on_commit_callbacks(execute=True):
        approval_check_request(run_id=approved.pk)
    changes = changes_since_approval(approved, user=manager)
    assert changes.check.records_known is False
    assert {d.table_key for d in changes.differences} == {"departures_by_sex"}
    assert all(d.entered_count is None for d in changes.differences)


def test_a_draft_is_not_checked_and_its_panel_says_so(
    manager, world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    assert approval_check_request(run_id=run.pk) is None
    client.force_login(manager)
    answer = client.get(reverse("reports:run_changes", kwargs={"pk": run.pk}))
    assert answer.status_code == 200 and "is not approved" in answer.content.decode()
    assert not ApprovalCheck.objects.exists()


@pytest.mark.parametrize("role", ["caseworker", "facilitator"])
def test_other_roles_cannot_read_a_versions_changes(approved, client, request, role):
    client.force_login(request.getfixturevalue(role))
    url = reverse("reports:run_changes", kwargs={"pk": approved.pk})
    assert client.get(url).status_code == 403
    assert client.get(f"/api/v1/reports/years/{YEAR}/").status_code in (403, 404)
    assert not ApprovalCheck.objects.exists()
