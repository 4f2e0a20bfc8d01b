"""Every task of ours can be queued: Celery refuses, at apply_async, a task whose soft time limit
is above its hard one, and the eager mode of the tests never calls that check. A beat entry
naming such a task fails every time it is due (found by `make run`: webhook-sweep)."""

import pytest
from django.conf import settings

from config.celery import app

OURS = ("cases.", "medical.", "orientation.", "movements.", "partners.", "reports.", "core.")


def _our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OURS)}


def test_there_are_tasks_to_check():
    assert len(_our_tasks()) >= 5


@pytest.mark.parametrize("name", sorted(_our_tasks()))
def test_each_task_has_a_soft_limit_within_its_hard_limit(name):
    task = _our_tasks()[name]
    hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
    soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert soft <= hard, (name, soft, hard)


def test_each_beat_entry_names_a_task_of_ours():
    tasks = _our_tasks()
    for entry, spec in settings.CELERY_BEAT_SCHEDULE.items():
        assert spec["task"] in tasks, entry
