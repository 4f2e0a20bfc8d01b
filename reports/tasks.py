"""Celery tasks of the reports: thin, by id, idempotent (reports.services does the work).

`compute_report_run` acknowledges late and is given back to the queue if its worker is lost, so
a killed worker's run is picked up again; the beat task `recover_stuck_runs` catches whatever
that misses (a run "running" with nobody computing it) and retries it or fails it with the
reason. `recompute_current_year` is the nightly run (CELERY_BEAT_SCHEDULE in settings);
`check_approved_years` compares every approved year with today's records each night, and
`check_approved_run` does one such check (queued too when an approved version is opened).
"""

from celery import shared_task
from django.utils import timezone

from . import checks, services
from .choices import ReportKind, RunTrigger


@shared_task(
    name="reports.compute_report_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=services.RUN_SOFT_TIME_LIMIT,
    time_limit=services.RUN_TIME_LIMIT,
)
def compute_report_run(run_id: int) -> None:
    services.run_compute(run_id=run_id)


@shared_task(
    name="reports.write_approved_files", acks_late=True, soft_time_limit=9 * 60, time_limit=10 * 60
)
def write_approved_files(run_id: int) -> None:
    services.approved_files_write(run_id=run_id)


@shared_task(name="reports.recover_stuck_runs", soft_time_limit=4 * 60, time_limit=5 * 60)
def recover_stuck_runs() -> dict:
    return services.runs_recover_stuck()


@shared_task(
    name="reports.check_approved_run", acks_late=True, soft_time_limit=9 * 60, time_limit=10 * 60
)
def check_approved_run(check_id: int) -> None:
    checks.approval_check_compute(check_id=check_id)


@shared_task(name="reports.check_approved_years", soft_time_limit=4 * 60, time_limit=5 * 60)
def check_approved_years() -> int:
    return checks.approved_years_check()


@shared_task(name="reports.recompute_current_year", soft_time_limit=4 * 60, time_limit=5 * 60)
def recompute_current_year() -> int:
    run, _created = services.run_request(
        user=None,
        kind=ReportKind.YEARLY,
        year=timezone.localdate().year,
        trigger=RunTrigger.NIGHTLY,
    )
    return run.pk
