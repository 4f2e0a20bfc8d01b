"""The one way background work is queued: on commit, with ids only.

A task queued from inside a transaction that later rolls back must never run (it would find no
rows, or rows that were never meant to exist), and a task handed model instances would work on
stale copies. Every task the apps add is queued through `enqueue_on_commit`.

The broker (Redis) may be down when a write commits: the write is kept, the failure to queue
is logged, and the work is taken up by the periodic sweep of its app once the broker is back
(partners.tasks.webhook_sweep and intake_sweep, movements' requeue of stale notices, reports'
recovery of stuck runs), which find the rows still waiting. A request never fails for it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *ids: int | str, using: str | None = None, **options) -> None:
    """Queue `task(*ids)` once the current transaction commits (at once outside a transaction).

    `ids` are primary keys or other plain identifiers, never objects; `options` go to
    `apply_async` (countdown, queue, ...). Nothing is queued if the transaction rolls back.
    """
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError(f"Background tasks take ids, not {type(value).__name__} objects.")
    transaction.on_commit(lambda: _send(task, ids, options), using=using)


def _send(task, ids, options) -> None:
    app = getattr(task, "app", None)
    if app is not None and app.conf.task_always_eager:
        # Run here (tests): the task's own errors must show.
        task.apply_async(args=ids, **options)
        return
    try:
        task.apply_async(args=ids, **options)
    except (OperationalError, RedisError, ConnectionError, OSError):
        # The broker is down: the sweeps take the work up when it is back.
        log.warning("Could not queue %s%r: left to its sweep", task.name, ids, exc_info=True)
