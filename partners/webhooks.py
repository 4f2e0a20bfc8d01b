"""Services: a partner system manages its own organisation's webhook endpoints (register, change,
pause and resume, delete, rotate the secret). Every door (the API, the admin through the model's
`clean`) takes the same rules: the URL is checked (partners.outgoing), the organisation is the
caller's, active (cases.selectors.partner_scope).

A secret is shown once, when it is made (register, rotate). After a rotation the previous
secret keeps signing beside the new one for `WEBHOOK_SECRET_OVERLAP_SECONDS` (Standard
Webhooks: several signatures in `webhook-signature`), so the partner's receiver can switch over
without refusing a message.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotPermitted, clean_or_refuse

from .delivery import endpoint_resume
from .models import WebhookEndpoint, WebhookEvent, new_webhook_secret
from .selectors import webhook_organisation_of


def _organisation_of(actor) -> int:
    organisation_id = webhook_organisation_of(actor)
    if organisation_id is None:
        raise NotPermitted(_("Only a partner organisation's system manages its webhook endpoints."))
    return organisation_id


def _checked_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise ApplicationError(
            _("Unknown event type: %(events)s.") % {"events": ", ".join(unknown)}, field="events"
        )
    return sorted(set(events), key=list(WebhookEvent.values).index)


def webhook_endpoint_register(
    *, actor, url: str, events: list[str] | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the caller's organisation; returns it with its secret (shown this
    once)."""
    organisation_id = _organisation_of(actor)
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id, url=url, events=_checked_events(events or [])
    )
    clean_or_refuse(endpoint)
    with transaction.atomic():
        endpoint.save()
    return endpoint, endpoint.secret


def webhook_endpoint_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    paused: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL or events, pause it (events wait in the outbox) or resume it
    (what waited is sent)."""
    if endpoint.organisation_id != _organisation_of(actor):
        raise NotPermitted()
    resume = False
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update(of=("self",)).get(pk=endpoint.pk)
        if url is not None:
            endpoint.url = url
        if events is not None:
            endpoint.events = _checked_events(events)
        if paused is True and endpoint.paused_at is None:
            endpoint.paused_at = timezone.now()
        elif paused is False and endpoint.paused_at is not None:
            resume = True
        clean_or_refuse(endpoint)
        endpoint.save()
        if resume:
            endpoint_resume(endpoint_ids=[endpoint.pk])
            endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its outbox and delivery log."""
    if endpoint.organisation_id != _organisation_of(actor):
        raise NotPermitted()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def webhook_endpoint_rotate_secret(
    *, actor, endpoint: WebhookEndpoint
) -> tuple[str, datetime.datetime]:
    """A new secret (returned, shown this once); the previous one keeps signing beside it until
    the returned time."""
    if endpoint.organisation_id != _organisation_of(actor):
        raise NotPermitted()
    overlap = datetime.timedelta(seconds=settings.WEBHOOK_SECRET_OVERLAP_SECONDS)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update(of=("self",)).get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_until = timezone.now() + overlap
        locked.secret = new_webhook_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return locked.secret, locked.previous_secret_until
