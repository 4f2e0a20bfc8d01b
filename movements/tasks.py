"""Background work of movements: sending booking notices. Tasks take ids, call a service."""

from celery import shared_task
from django.conf import settings

from .notices import services as notices


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_booking_notice(self, notice_id: int) -> str:
    """Send one notice; after the n-th failed try wait n-th power of two times
    NOTICE_RETRY_SECONDS (1, 2, 4, ...) and try again; after NOTICE_SEND_RETRIES retries mark it
    failed (kept whole, re-sendable). Counting the notice's own tries (not this task's retries)
    keeps the limit when a lost task is queued again. Idempotent: a notice that is no longer
    queued is left as it is."""
    result = notices.notice_deliver(notice_id)
    if result.sent is None:
        return "nothing to do"
    if result.sent:
        return "sent"
    if result.attempts <= settings.NOTICE_SEND_RETRIES:
        raise self.retry(countdown=settings.NOTICE_RETRY_SECONDS * 2 ** (result.attempts - 1))
    notices.notice_mark_failed(notice_id)
    return "failed"


@shared_task
def requeue_stale_booking_notices() -> int:
    """Every quarter of an hour (CELERY_BEAT_SCHEDULE): notices whose task was lost are queued
    again."""
    return len(notices.notices_requeue_stale())
