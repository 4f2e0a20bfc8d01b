"""The one way background work is queued (on commit, with ids only), and the heartbeat that
long work keeps so a dead worker is noticed in minutes.

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
import threading
from collections.abc import Callable

from django.db import connection, transaction
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


class Heartbeat:
    """Proof of life while a block of long work runs: `beat()` is called once on entry and then
    every `every` seconds from a thread of its own (with its own database connection), so the
    beats go on while the work waits on a slow query, and stop the moment the process dies.
    Whoever watches compares the last beat with the clock: a beat older than a few intervals
    means the worker is gone, long before any time limit would say so.

        with Heartbeat(lambda: Run.objects.filter(pk=pk).update(heartbeat_at=now()), every=15):
            compute()
    """

    def __init__(self, beat: Callable[[], object], *, every: float):
        self.beat = beat
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self.beat()
                except Exception:  # a missed beat is logged; the next one may pass
                    log.exception("heartbeat failed")
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 5)
