"""A run whose whole worker died is noticed within two minutes, by the heartbeat the computing
worker keeps, and queued again: a real Celery worker (a subprocess on this suite's Redis and
test database) is killed with its whole process group in the middle of a run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from core.roles import Role
from reports import services
from reports.choices import RunStatus
from reports.models import ReportRun
from tests.conftest import load_all_reference_data
from tests.factories import CaseFactory, user_with_role

from .conftest import d, depart

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
BEAT_EVERY, LOST_AFTER = 1, 4


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all_reference_data()


def _worker(tmp_path, name):
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "REPORT_HEARTBEAT_SECONDS": str(BEAT_EVERY),
        "REPORT_HEARTBEAT_LOST_AFTER": str(LOST_AFTER),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-c",
            "1",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.log.close()


def _wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_a_killed_worker_is_noticed_by_its_stopped_heartbeat_and_the_run_queued_again(
    tmp_path, settings
):
    load_all_reference_data()
    settings.REPORT_HEARTBEAT_LOST_AFTER = LOST_AFTER
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = user_with_role(Role.MANAGER, username="manager")
    household = CaseFactory(members=1)
    depart(household, d(2024, 5, 5), list(household.members.all()))
    app.conf.task_always_eager = False  # sent to Redis, for a real worker
    app.control.purge()
    database = connection.settings_dict
    blocker = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    first = second = None
    try:
        # The departures are locked: the worker's run waits on them, beating all the while.
        blocker.execute("LOCK TABLE movements_departure IN ACCESS EXCLUSIVE MODE")
        run, _ = services.run_request(user=manager, kind="yearly", year=2024)
        first = _worker(tmp_path, "first")
        assert _wait(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.RUNNING, 60)
        beat = ReportRun.objects.get(pk=run.pk).heartbeat_at
        assert _wait(lambda: ReportRun.objects.get(pk=run.pk).heartbeat_at > beat, 10)

        os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and child
        killed_at = time.monotonic()
        blocker.rollback()
        first.wait(timeout=30)

        # Beat's task, every few seconds here as it is every 30 s in production.
        def recovered():
            return services.runs_recover_stuck()["retried"] == 1

        assert _wait(recovered, 110)
        noticed_after = time.monotonic() - killed_at
        assert noticed_after < 120
        run.refresh_from_db()
        assert run.status == RunStatus.QUEUED and "last heard from" in run.error

        second = _worker(tmp_path, "second")
        assert _wait(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.DONE, 90)
        run.refresh_from_db()
        assert run.attempts == 2
        assert run.figures["tables"]["departures_by_destination"][-1]["values"]["persons"] == 2
        assert run.heartbeat_at <= timezone.now()
    finally:
        app.conf.task_always_eager = True
        blocker.close()
        for process in (first, second):
            if process is not None:
                _stop(process)
