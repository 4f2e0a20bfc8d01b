"""Asking for runs, computing them in the worker, recovering runs whose worker died."""

import datetime

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, NotPermitted
from reports import services, tasks
from reports.choices import ReportKind, RunStatus, RunTrigger
from reports.models import ReportFile, ReportRun

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def ask(user, capture, **kwargs):
    kwargs.setdefault("kind", ReportKind.YEARLY)
    with capture(execute=True):
        return services.run_request(user=user, **kwargs)


def test_a_manager_asks_for_a_year_and_the_worker_computes_it(
    manager, world, django_capture_on_commit_callbacks
):
    run, created = ask(manager, django_capture_on_commit_callbacks, year=YEAR)

    run.refresh_from_db()
    assert created
    assert run.status == RunStatus.DONE
    assert run.requested_by == manager
    assert run.version == 1
    assert run.attempts == 1
    assert run.progress == 100
    assert run.started_at <= run.finished_at
    assert run.duration is not None
    assert run.figures["year_from"] == YEAR
    assert {f.format for f in run.files.all()} == {"csv", "xlsx", "pdf"}
    assert {f.edition for f in run.files.all()} == {"draft"}


def test_asking_again_while_queued_returns_the_same_run(manager, administrator):
    first, created = services.run_request(user=manager, kind="yearly", year=YEAR)
    again, created_again = services.run_request(user=administrator, kind="yearly", year=YEAR)

    assert created and not created_again
    assert again.pk == first.pk
    assert ReportRun.objects.count() == 1


def test_the_database_refuses_a_second_active_run_of_the_same_parameters(manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    duplicate = ReportRun(
        kind=run.kind,
        year_from=YEAR,
        year_to=YEAR,
        parameters_key=run.parameters_key,
        version=2,
        status=RunStatus.RUNNING,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_new_version_once_the_previous_run_is_done(manager, django_capture_on_commit_callbacks):
    first, _ = ask(manager, django_capture_on_commit_callbacks, year=YEAR)
    second, created = ask(manager, django_capture_on_commit_callbacks, year=YEAR)

    assert created
    assert (first.version, second.version) == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "yearly", "year": 2007}, "year"),
        ({"kind": "yearly", "year": timezone.localdate().year + 1}, "year"),
        ({"kind": "yearly"}, "year"),
        ({"kind": "yearly", "year": "last"}, "year"),
        ({"kind": "census", "year": 2020}, "kind"),
        ({"kind": "multi_year", "year_from": 1826, "year_to": 2025}, "year_to"),
        ({"kind": "multi_year", "year_from": 2020, "year_to": 2012}, "year_to"),
        ({"kind": "multi_year", "year_from": 2012}, "year_to"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_queued(manager, kwargs, field):
    with pytest.raises(ApplicationError) as refused:
        services.run_request(user=manager, **kwargs)

    assert refused.value.field == field
    assert ReportRun.objects.count() == 0


def test_a_range_of_200_years_is_refused_as_too_long(manager):
    with pytest.raises(ApplicationError) as refused:
        services.run_request(user=manager, kind="multi_year", year_from=1826, year_to=2025)
    assert refused.value.code == "range_too_long"


@pytest.mark.parametrize("role", ["caseworker", "clinician", "movement_officer", "partner"])
def test_other_roles_may_not_ask_for_a_report(request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(NotPermitted):
        services.run_request(user=user, kind="yearly", year=YEAR)
    assert ReportRun.objects.count() == 0


def test_a_retried_task_changes_nothing_and_writes_no_second_file(
    manager, world, django_capture_on_commit_callbacks
):
    run, _ = ask(manager, django_capture_on_commit_callbacks, year=YEAR)
    files = {f.format: (f.pk, f.sha256, f.file.name) for f in ReportFile.objects.filter(run=run)}

    tasks.compute_report_run(run.pk)  # delivered a second time
    run.refresh_from_db()

    assert run.attempts == 1
    assert {
        f.format: (f.pk, f.sha256, f.file.name) for f in ReportFile.objects.filter(run=run)
    } == files


def test_a_run_whose_files_were_not_all_written_is_finished_without_recomputing(
    manager, world, monkeypatch
):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    figures = {"stored": True}
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        figures=services.compute_figures(kind="yearly", year_from=YEAR, year_to=YEAR)
        | {"marker": figures},
    )

    def must_not_compute(**kwargs):
        raise AssertionError("recomputed")

    monkeypatch.setattr(services, "compute_figures", must_not_compute)
    services.run_compute(run_id=run.pk)
    run.refresh_from_db()

    assert run.status == RunStatus.DONE
    assert run.figures["marker"] == figures
    assert run.files.count() == 3


def test_a_run_over_the_time_limit_is_failed_with_the_reason(manager, monkeypatch):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "compute_figures", too_slow)
    services.run_compute(run_id=run.pk)
    run.refresh_from_db()

    assert run.status == RunStatus.FAILED
    assert "longer than the limit" in run.error
    assert run.finished_at is not None
    assert tasks.compute_report_run.soft_time_limit == services.RUN_SOFT_TIME_LIMIT
    assert tasks.compute_report_run.time_limit == services.RUN_TIME_LIMIT


def test_an_error_fails_the_run_with_the_error(manager, monkeypatch):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)

    def broken(**kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr(services, "compute_figures", broken)
    services.run_compute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "disk full" in run.error


def _stuck(manager, attempts):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        attempts=attempts,
        progress=40,
        started_at=timezone.now() - services.STUCK_AFTER - datetime.timedelta(minutes=1),
    )
    return run


def test_a_run_left_running_by_a_dead_worker_is_retried(
    manager, world, django_capture_on_commit_callbacks
):
    run = _stuck(manager, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.recover_stuck_runs()
    run.refresh_from_db()

    assert counts["retried"] == 1
    assert run.status == RunStatus.DONE
    assert run.attempts == 2
    assert "stopped without finishing" in run.error


def test_a_run_left_running_too_many_times_is_failed_with_the_reason(manager):
    run = _stuck(manager, attempts=services.MAX_ATTEMPTS)

    counts = services.runs_recover_stuck()
    run.refresh_from_db()

    assert counts["failed"] == 1
    assert run.status == RunStatus.FAILED
    assert "stopped without finishing" in run.error
    assert "given up" in run.error


def test_a_recent_running_run_is_left_alone(manager):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    assert services.runs_recover_stuck() == {"retried": 0, "failed": 0, "requeued": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING


def test_a_run_lost_in_the_queue_is_queued_again(
    manager, world, django_capture_on_commit_callbacks
):
    run, _ = services.run_request(user=manager, kind="yearly", year=YEAR)  # never delivered
    ReportRun.objects.filter(pk=run.pk).update(
        requested_at=timezone.now() - services.LOST_IN_QUEUE_AFTER - datetime.timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.runs_recover_stuck()
    run.refresh_from_db()
    assert counts["requeued"] == 1
    assert run.status == RunStatus.DONE


def test_the_nightly_task_recomputes_the_current_year(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.recompute_current_year()
    run = ReportRun.objects.get(pk=run_id)

    assert run.trigger == RunTrigger.NIGHTLY
    assert run.requested_by is None
    assert run.year_from == timezone.localdate().year
    assert run.status == RunStatus.DONE


def test_beat_schedules_the_nightly_run_and_the_stuck_run_check(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reports.recompute_current_year", "reports.recover_stuck_runs"} <= tasks_scheduled
