"""Celery tasks of the partners app: thin, ids only, idempotent."""

from celery import shared_task

from core.background import enqueue_on_commit


@shared_task(acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60)
def webhook_drain(endpoint_id: int) -> int:
    """Deliver what is due for one endpoint (a second drain at once skips the locked rows)."""
    from .delivery import drain_endpoint

    return drain_endpoint(endpoint_id)


@shared_task(soft_time_limit=50, time_limit=60)
def webhook_sweep() -> int:
    """Every minute (beat): a drain for each endpoint whose retries have come due."""
    from .delivery import endpoints_due

    due = endpoints_due()
    for endpoint_id in due:
        enqueue_on_commit(webhook_drain, endpoint_id)
    return len(due)


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=59 * 60)
def intake_run(batch_id: int) -> None:
    """Take in a referral file (partners.intake.intake_batch_run): one worker at a time; a
    re-run resumes it without resetting its counts."""
    from .intake import intake_batch_run

    intake_batch_run(batch_id=batch_id)


@shared_task(soft_time_limit=9 * 60, time_limit=10 * 60)
def idempotency_purge() -> int:
    """Every hour (beat): forget idempotency keys older than 24 hours."""
    from core.api.idempotency import purge_expired

    return purge_expired()


@shared_task(soft_time_limit=50, time_limit=60)
def intake_sweep() -> int:
    """Every 10 minutes (beat): a referral file whose task was lost (queued or running with no
    progress for an hour) is queued again; the re-run resumes after the last chunk counted, and
    leaves at once if a live worker still holds the file (partners.intake.intake_batch_run)."""
    from .intake import intake_batches_stalled

    stalled = intake_batches_stalled()
    for batch_id in stalled:
        enqueue_on_commit(intake_run, batch_id)
    return len(stalled)
