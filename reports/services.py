"""Writes of the reports app: asking for a run, computing it (the worker's job), recovering runs
whose worker died, approving a version, writing its files, importing past departures.

Every door (page, API, task, beat) calls these; each checks who may act and refuses with an
`ApplicationError` naming the input at fault.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.background import Heartbeat, enqueue_on_commit
from core.errors import ApplicationError, NotPermitted

from .checks import run_records_keep
from .choices import (
    ACTIVE_STATUSES,
    FIRST_YEAR,
    MAX_YEARS_IN_RANGE,
    FileEdition,
    FileFormat,
    ReportKind,
    RunStatus,
    RunTrigger,
)
from .errors import AlreadyApproved, NotApprovable
from .exports import BUILDERS
from .figures import compute_figures
from .models import ReportFile, ReportRun
from .permissions import can_use_reports

log = logging.getLogger(__name__)

# A worker gets this long for one run (Celery's soft and hard limits, reports.tasks).
RUN_SOFT_TIME_LIMIT = 10 * 60
RUN_TIME_LIMIT = 11 * 60
# A run "running" with no heartbeat (started before heartbeats were kept) this long after it
# started has lost its worker. Runs with a heartbeat: settings.REPORT_HEARTBEAT_LOST_AFTER.
STUCK_AFTER = datetime.timedelta(seconds=RUN_TIME_LIMIT + 4 * 60)
# A run still "queued" this long was lost by the queue: it is queued again.
LOST_IN_QUEUE_AFTER = datetime.timedelta(minutes=30)
MAX_ATTEMPTS = 3
# Progress: computing the tables is the first 80 %, writing the files the rest.
TABLES_SHARE = 80
ADVISORY_LOCK_NAMESPACE = 7310


def _require_reports_role(user) -> None:
    if user is not None and not can_use_reports(user):
        raise NotPermitted(_("Only managers and administrators may do this."))


# ---------------------------------------------------------------------------------------------
# Asking for a run


def report_parameters(
    *, kind, year=None, year_from=None, year_to=None, today: datetime.date | None = None
) -> tuple[str, int, int]:
    """The kind and years of a report, checked: a year from 2008 to this year; a range in order
    and at most MAX_YEARS_IN_RANGE years long; the yearly report covers one year."""
    today = today or timezone.localdate()
    if kind not in ReportKind.values:
        raise ApplicationError(
            _("Unknown report “%(kind)s”. Choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(ReportKind.values)},
            field="kind",
            code="unknown_kind",
        )

    def as_year(value, field):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ApplicationError(_("Give a year as a number."), field=field) from None
        if number < FIRST_YEAR or number > today.year:
            raise ApplicationError(
                _("The year must be between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": today.year},
                field=field,
                code="year_out_of_range",
            )
        return number

    if kind == ReportKind.YEARLY:
        if year is None and year_from is not None and year_to in (None, year_from):
            year = year_from
        if year is None:
            raise ApplicationError(_("Give the year of the report."), field="year")
        first = last = as_year(year, "year")
    else:
        if year_from is None or year_to is None:
            field = "year_from" if year_from is None else "year_to"
            raise ApplicationError(_("Give the first and the last year."), field=field)
        if _numeric(year_from, year_to) and int(year_to) - int(year_from) >= MAX_YEARS_IN_RANGE:
            raise ApplicationError(
                _("A report covers at most %(n)s years.") % {"n": MAX_YEARS_IN_RANGE},
                field="year_to",
                code="range_too_long",
            )
        first, last = as_year(year_from, "year_from"), as_year(year_to, "year_to")
        if first > last:
            raise ApplicationError(_("The first year comes after the last year."), field="year_to")
    return kind, first, last


def _numeric(*values) -> bool:
    try:
        [int(v) for v in values]
    except (TypeError, ValueError):
        return False
    return True


def parameters_key(kind: str, year_from: int, year_to: int) -> str:
    if kind == ReportKind.YEARLY:
        return f"{kind}:{year_from}"
    return f"{kind}:{year_from}-{year_to}"


def run_request(
    *, user, kind, year=None, year_from=None, year_to=None, trigger=RunTrigger.MANUAL
) -> tuple[ReportRun, bool]:
    """A run of the report for these parameters: the one already queued or running if there is
    one (created False), else a new version, queued for a worker once this transaction commits.

    Two requests at the same moment end with one run: the partial unique index on the active
    run of each parameters refuses the second insert, which then returns the first run.
    """
    _require_reports_role(user)
    kind, first, last = report_parameters(
        kind=kind, year=year, year_from=year_from, year_to=year_to
    )
    key = parameters_key(kind, first, last)
    for _attempt in range(3):
        active = ReportRun.objects.filter(parameters_key=key, status__in=ACTIVE_STATUSES).first()
        if active:
            return active, False
        try:
            with transaction.atomic():
                # Versions are numbered in order: one writer per parameters at a time.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                        [ADVISORY_LOCK_NAMESPACE, key],
                    )
                latest = ReportRun.objects.filter(parameters_key=key).aggregate(v=Max("version"))
                run = ReportRun(
                    kind=kind,
                    year_from=first,
                    year_to=last,
                    parameters={"kind": kind, "year_from": first, "year_to": last},
                    parameters_key=key,
                    version=(latest["v"] or 0) + 1,
                    trigger=trigger,
                    requested_by=user,
                )
                run.full_clean(validate_constraints=False)
                run.save()
        except IntegrityError:
            continue  # someone else's run became active in between: return it
        from .tasks import compute_report_run

        enqueue_on_commit(compute_report_run, run.pk)
        return run, True
    raise ApplicationError(_("The report could not be queued; try again."))


# ---------------------------------------------------------------------------------------------
# Computing (the worker)


class _RunLock:
    """A session lock on the run held while a worker computes it: a second delivery of the same
    task finds it taken and leaves; a worker that dies releases it with its connection, which is
    how the beat task tells a dead run from a slow one."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.held = False

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE + 1, self.run_id]
            )
            self.held = cursor.fetchone()[0]
        return self

    def __exit__(self, *exc):
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_NAMESPACE + 1, self.run_id]
                )


def run_is_being_computed(run_id: int) -> bool:
    with _RunLock(run_id) as lock:
        return not lock.held


def _set_progress(run_id: int, percent: int, note: str = "") -> None:
    ReportRun.objects.filter(pk=run_id).update(progress=percent, progress_note=note[:100])


def run_fail(*, run_id: int, reason: str) -> None:
    ReportRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.FAILED, error=reason, finished_at=timezone.now()
    )


def run_compute(*, run_id: int) -> ReportRun | None:
    """Compute a run's figures and write its draft files. Safe to call again at any point: a
    done or failed run is left as it is, figures already stored are not recomputed, and each
    file is written once."""
    with _RunLock(run_id) as lock:
        if not lock.held:
            return None  # another worker is computing this run right now
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status not in ACTIVE_STATUSES:
                return run
            if run.attempts >= MAX_ATTEMPTS:
                run.status = RunStatus.FAILED
                run.error = _("Gave up after %(n)s attempts.") % {"n": run.attempts}
                run.finished_at = timezone.now()
                run.save(update_fields=["status", "error", "finished_at"])
                return run
            run.status = RunStatus.RUNNING
            run.started_at = run.heartbeat_at = timezone.now()
            run.attempts += 1
            run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
        with Heartbeat(partial(_beat, run.pk), every=settings.REPORT_HEARTBEAT_SECONDS):
            _compute_and_write(run)
        run.refresh_from_db()
        return run


def _beat(run_id: int) -> None:
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        heartbeat_at=timezone.now()
    )


def _compute_and_write(run: ReportRun) -> None:
    """The worker's part of a run: the figures (unless stored), the records counted, the draft
    files; a failure is recorded on the run with its reason."""
    try:
        if run.figures is None:

            def progress(done, total, table):
                _set_progress(run.pk, done * TABLES_SHARE // total, str(table.title))

            figures = compute_figures(
                kind=run.kind, year_from=run.year_from, year_to=run.year_to, progress=progress
            )
            # The records counted, kept so a later approval can name what changed since.
            _set_progress(run.pk, TABLES_SHARE - 5, _("Keeping the records counted"))
            run_records_keep(run=run)
            ReportRun.objects.filter(pk=run.pk).update(
                figures=figures, progress=TABLES_SHARE, progress_note=_("Writing the files")
            )
            run.figures = figures
        files_write(run=run, edition=FileEdition.DRAFT)
        ReportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now(), progress=100, progress_note=""
        )
    except SoftTimeLimitExceeded:
        run_fail(
            run_id=run.pk,
            reason=_("Stopped: computing took longer than the limit of %(n)s minutes.")
            % {"n": RUN_SOFT_TIME_LIMIT // 60},
        )
    except Exception as error:
        log.exception("report run %s failed", run.pk)
        run_fail(run_id=run.pk, reason=f"{type(error).__name__}: {error}")


def runs_recover_stuck(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Runs whose worker died: a run "running" whose worker's heartbeat stopped (nothing heard
    for REPORT_HEARTBEAT_LOST_AFTER seconds; a run from before heartbeats: past STUCK_AFTER)
    and that no worker holds is queued again (or failed with the reason after MAX_ATTEMPTS); a
    run queued longer than LOST_IN_QUEUE_AFTER is handed to a worker again. Returns how many of
    each. Beat calls it every 30 s: a dead worker's run is queued again within two minutes."""
    now = now or timezone.now()
    counts = {"retried": 0, "failed": 0, "requeued": 0}
    from .tasks import compute_report_run

    silent = now - datetime.timedelta(seconds=settings.REPORT_HEARTBEAT_LOST_AFTER)
    stuck = (
        ReportRun.objects.filter(status=RunStatus.RUNNING)
        .filter(
            Q(heartbeat_at__lt=silent)
            | Q(heartbeat_at__isnull=True, started_at__lt=now - STUCK_AFTER)
        )
        .values_list("pk", flat=True)
    )
    for run_id in list(stuck):
        if run_is_being_computed(run_id):
            continue
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().get(pk=run_id)
            if run.status != RunStatus.RUNNING:
                continue
            started = timezone.localtime(run.started_at)
            heard = timezone.localtime(run.heartbeat_at or run.started_at)
            if run.attempts >= MAX_ATTEMPTS:
                run.status = RunStatus.FAILED
                run.finished_at = now
                run.error = _(
                    "The worker computing this run stopped without finishing (last started "
                    "%(started)s; %(n)s attempts): given up."
                ) % {"started": started.strftime("%Y-%m-%d %H:%M"), "n": run.attempts}
                run.save(update_fields=["status", "finished_at", "error"])
                counts["failed"] += 1
            else:
                run.status = RunStatus.QUEUED
                run.error = _(
                    "The worker computing this run stopped without finishing (started "
                    "%(started)s, last heard from %(heard)s); queued again."
                ) % {
                    "started": started.strftime("%Y-%m-%d %H:%M"),
                    "heard": heard.strftime("%H:%M:%S"),
                }
                run.save(update_fields=["status", "error"])
                enqueue_on_commit(compute_report_run, run.pk)
                counts["retried"] += 1
    lost = (
        ReportRun.objects.filter(
            status=RunStatus.QUEUED, requested_at__lt=now - LOST_IN_QUEUE_AFTER
        )
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=now - LOST_IN_QUEUE_AFTER))
        .values_list("pk", flat=True)
    )
    for run_id in list(lost):
        enqueue_on_commit(compute_report_run, run_id)
        counts["requeued"] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Files


def file_name(run: ReportRun, fmt: str, edition: str) -> str:
    return f"reports/run-{run.pk}/{run.kind}-{run.years_label}-v{run.version}-{edition}.{fmt}"


def files_write(*, run: ReportRun, edition: str) -> list[ReportFile]:
    """Write the run's files of this edition that are not written yet; a file once recorded is
    never written again (a retried task finds it and moves on)."""
    written = []
    existing = set(
        ReportFile.objects.filter(run=run, edition=edition).values_list("format", flat=True)
    )
    approved = edition == FileEdition.APPROVED
    for fmt in FileFormat.values:
        if fmt in existing:
            continue
        data = BUILDERS[fmt](run, approved=approved)
        name = file_name(run, fmt, edition)
        # A file left behind by a worker that died before recording it is not published: it is
        # replaced, and only the recorded file is ever served.
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(data))
        try:
            with transaction.atomic():
                written.append(
                    ReportFile.objects.create(
                        run=run,
                        format=fmt,
                        edition=edition,
                        file=stored,
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                    )
                )
        except IntegrityError:
            default_storage.delete(stored)  # written meanwhile by another worker
    return written


# ---------------------------------------------------------------------------------------------
# Approval


def run_approve(*, run_id: int, user) -> ReportRun:
    """Publish a yearly run's figures: the version is frozen (a trigger refuses any change of
    its figures or approval) and its approved files are written once, in the background."""
    _require_reports_role(user)
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.approved_at is not None:
            raise AlreadyApproved(
                _("Version %(v)s was already approved by %(who)s on %(when)s.")
                % {
                    "v": run.version,
                    "who": run.approved_by.get_full_name() or run.approved_by.username,
                    "when": timezone.localtime(run.approved_at).strftime("%Y-%m-%d %H:%M"),
                },
                field="run",
            )
        if run.status != RunStatus.DONE:
            raise NotApprovable(
                _("Only a finished run can be approved; this one is “%(status)s”.")
                % {"status": run.get_status_display()},
                field="run",
            )
        if run.kind != ReportKind.YEARLY:
            raise NotApprovable(_("Only a year's figures are approved."), field="run")
        run.approved_by = user
        run.approved_at = timezone.now()
        run.save(update_fields=["approved_by", "approved_at"])
        from .tasks import write_approved_files

        enqueue_on_commit(write_approved_files, run.pk)
    return run


def approved_files_write(*, run_id: int) -> None:
    run = ReportRun.objects.select_related("approved_by").get(pk=run_id)
    if run.is_approved:
        files_write(run=run, edition=FileEdition.APPROVED)
