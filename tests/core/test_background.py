import pytest
from django.db import transaction

from core.background import enqueue_on_commit


class RecordingTask:
    """Stands in for a Celery task: records what apply_async was asked to run."""

    def __init__(self):
        self.calls = []

    def apply_async(self, args=(), **options):
        self.calls.append((args, options))


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_queues_the_task_with_its_ids():
    task = RecordingTask()
    with transaction.atomic():
        enqueue_on_commit(task, 7, "run-3", countdown=5)
        assert task.calls == []  # not before the commit
    assert task.calls == [((7, "run-3"), {"countdown": 5})]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_queues_nothing():
    task = RecordingTask()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(task, 7)
        raise RuntimeError("the write failed")
    assert task.calls == []


def test_objects_are_refused_as_task_arguments():
    with pytest.raises(TypeError, match="ids"):
        enqueue_on_commit(RecordingTask(), object())
