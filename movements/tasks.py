"""Background work of movements: sending booking notices. Tasks take ids, call a service."""

from celery import shared_task
from django.conf import settings

from . import notices


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_booking_notice(self, notice_id: int) -> str:
    """Send one notice; on failure try again after 1, 2, 4, ... times NOTICE_RETRY_SECONDS, and
    after NOTICE_SEND_RETRIES retries mark it failed (kept whole, re-sendable). Idempotent: a
    notice that is no longer queued is left as it is."""
    sent = notices.notice_deliver(notice_id)
    if sent is None:
        return "nothing to do"
    if sent:
        return "sent"
    if self.request.retries < settings.NOTICE_SEND_RETRIES:
        countdown = settings.NOTICE_RETRY_SECONDS * (2**self.request.retries)
        raise self.retry(countdown=countdown)
    notices.notice_mark_failed(notice_id)
    return "failed"
