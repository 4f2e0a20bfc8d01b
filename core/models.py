"""The API's own records (API infrastructure, core.api): Idempotency-Key answers and the partner
access log. Their tables keep the names they had in `partners`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateTimeField


class IdempotencyKey(models.Model):
    """A POST's `Idempotency-Key` and what it answered, kept 24 hours.

    (caller, key) is unique: of two concurrent requests with one key, one runs; the other is
    answered 409 while it runs, and its answer once it has one."""

    caller = models.CharField(_("caller"), max_length=100)
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True)
    response_body = models.BinaryField(_("response"), null=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    # The headers that belong to the answer (Location, ...), replayed with it.
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = BoundedDateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "partners_idempotencykey"  # kept from when it lived in partners
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age_idx")]

    def __str__(self):
        return f"{self.caller} {self.key}"


class AccessLogEntry(models.Model):
    """One call by a partner system: who (account, client, organisation), what, when, answer."""

    at = BoundedDateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("account"),
    )
    client_id = models.CharField(_("client id"), max_length=100, blank=True)
    # Named by string: core imports no app (the organisation is the caller's, cases'
    # PartnerOrganisation; filled by the resolver the apps register, core.api.access_log).
    organisation = models.ForeignKey(
        "cases.PartnerOrganisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner organisation"),
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    query = models.CharField(_("query"), max_length=500, blank=True)
    status_code = models.PositiveIntegerField(_("HTTP status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        db_table = "partners_accesslogentry"  # kept from when it lived in partners
        verbose_name = _("partner access")
        verbose_name_plural = _("partner access log")
        indexes = [models.Index(fields=["client_id", "-at"], name="access_client_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.client_id} {self.method} {self.path}"
