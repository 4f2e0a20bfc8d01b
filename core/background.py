"""The one way background work is queued: on commit, with ids only.

A task queued from inside a transaction that later rolls back must never run (it would find no
rows, or rows that were never meant to exist), and a task handed model instances would work on
stale copies. Every task the apps add is queued through `enqueue_on_commit`.
"""

from __future__ import annotations

from django.db import transaction


def enqueue_on_commit(task, *ids: int | str, using: str | None = None, **options) -> None:
    """Queue `task(*ids)` once the current transaction commits (at once outside a transaction).

    `ids` are primary keys or other plain identifiers, never objects; `options` go to
    `apply_async` (countdown, queue, ...). Nothing is queued if the transaction rolls back.
    """
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError(f"Background tasks take ids, not {type(value).__name__} objects.")
    transaction.on_commit(lambda: task.apply_async(args=ids, **options), using=using)
