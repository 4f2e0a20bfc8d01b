"""Partner systems' side of the API: webhook endpoints and their outbox, bulk referral intake,
idempotency keys, and the access log.

The organisations themselves (and their data scope) live in `cases` (`PartnerOrganisation`),
at the bottom, where the selectors every API goes through can read them.
"""

import secrets

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PartnerOrganisation
from core.dates import BoundedDateTimeField


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes, base64."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEvent(models.TextChoices):
    CASE_STATUS_CHANGED = "case.status_changed", _("Case status changed")
    INTERVIEW_DECISION_RECORDED = "interview.decision_recorded", _("Interview decision recorded")
    BOOKING_CREATED = "booking.created", _("Booking created")
    BOOKING_CHANGED = "booking.changed", _("Booking changed")
    NOTICE_ISSUED = "notice.issued", _("Booking notice issued")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="WebhookEndpointHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history", db_constraint=False),
    exclude=["secret", "previous_secret"],
)
class WebhookEndpoint(models.Model):
    """Where a partner organisation wants to be told of events, with its signing secret.

    Deliveries stop (the endpoint is paused) after `PAUSE_AFTER_FAILURES` events in a row
    failed every attempt; an administrator resumes it in the admin, which replays what waited.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner organisation"),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret)
    # After a rotation the old secret still signs (beside the new) until `previous_secret_until`,
    # so the partner can switch its receiver over without losing a message.
    previous_secret = models.CharField(_("previous signing secret"), max_length=100, blank=True)
    previous_secret_until = BoundedDateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Event types to send (empty: every event type)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    paused_at = BoundedDateTimeField(_("paused since"), null=True, blank=True)
    failures_in_a_row = models.PositiveIntegerField(_("failed events in a row"), default=0)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return f"{self.organisation}: {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events

    def clean(self):
        # Checked on every save through a form or a service (admin, API): no URL aimed inward.
        from django.core.exceptions import ValidationError

        from .outgoing import webhook_url_problem

        super().clean()
        if self.url:
            problem = webhook_url_problem(self.url)
            if problem:
                raise ValidationError({"url": problem})

    def secrets_in_overlap(self, now=None) -> list[str]:
        """The previous secret while the rotation's overlap lasts (else none)."""
        now = now or timezone.now()
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            return [self.previous_secret]
        return []


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed every attempt")


class WebhookMessage(models.Model):
    """One event for one endpoint, written in the same transaction as the change it tells of,
    then delivered by Celery (partners.tasks). `msg_id` is the Standard Webhooks `webhook-id`:
    the same on every retry, so the receiver can ignore a message it already has."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("endpoint"),
    )
    msg_id = models.CharField(_("message id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = BoundedDateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = BoundedDateTimeField(_("delivered"), null=True, blank=True)
    created_at = BoundedDateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages (outbox)")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="webhook_due_idx",
            ),
            models.Index(fields=["endpoint", "status", "id"], name="webhook_endpoint_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.msg_id}"


class WebhookDelivery(models.Model):
    """One attempt to deliver a message: when, the answer, how long it took."""

    message = models.ForeignKey(
        WebhookMessage,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("message"),
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    at = BoundedDateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.message_id} #{self.attempt}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class IntakeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IntakeBatch(models.Model):
    """A referral file sent in bulk (CSV or JSON), taken in row by row by a Celery task.

    Every valid referral is taken; each invalid one is an IntakeRowError with its line and
    reason; a referral whose UNHCR case number is already recorded is counted as already
    present, never stored twice."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    content = models.BinaryField(_("content"))
    status = models.CharField(
        _("status"), max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("referrals in the file"), default=0)
    processed_rows = models.PositiveIntegerField(_("referrals checked"), default=0)
    created_rows = models.PositiveIntegerField(_("referrals taken in"), default=0)
    present_rows = models.PositiveIntegerField(_("already recorded"), default=0)
    error_rows = models.PositiveIntegerField(_("refused"), default=0)
    failure = models.TextField(_("why the file could not be read"), blank=True)
    # The sender's language: refusals are written in it by the task (which has no request).
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The same file sent again while it is being taken in is the same batch (constraint below).
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64, blank=True)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    started_at = BoundedDateTimeField(_("started"), null=True, blank=True)
    progressed_at = BoundedDateTimeField(_("last progress"), null=True, blank=True)
    finished_at = BoundedDateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral file")
        verbose_name_plural = _("referral files")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "content_sha256"],
                condition=Q(status__in=["queued", "running"]) & ~Q(content_sha256=""),
                name="intake_one_active_copy_of_a_file",
            )
        ]

    def __str__(self):
        return f"{self.file_name or self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (IntakeStatus.DONE, IntakeStatus.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in (IntakeStatus.DONE, IntakeStatus.FAILED)


class IntakeRowError(models.Model):
    """Why one referral of a file was refused: its line, the field at fault, the reason."""

    batch = models.ForeignKey(
        IntakeBatch, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("file")
    )
    line = models.PositiveIntegerField(_("line"))
    unhcr_case_number = models.CharField(_("UNHCR case number"), max_length=100, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    code = models.CharField(_("code"), max_length=40, blank=True)
    message = models.TextField(_("reason"))
    # The refused referral's lines as CSV cells (partners.intake.CSV_HEADER): the refused-rows
    # file gives them back, ready to fix and send again.
    rows = models.JSONField(_("lines"), default=list, blank=True)
    # The referral as read from the file, to save it anyway (a possible duplicate).
    referral = models.JSONField(_("referral"), default=dict, blank=True)
    # Ids of the recorded people a member may be (a possible duplicate).
    possible_duplicates = models.JSONField(_("may be"), default=list, blank=True)
    saved_case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved anyway as"),
    )

    class Meta:
        ordering = ["batch", "line", "id"]
        verbose_name = _("refused referral")
        verbose_name_plural = _("refused referrals")

    def __str__(self):
        return f"{self.batch_id}:{self.line} {self.message}"
