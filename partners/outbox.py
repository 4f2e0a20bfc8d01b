"""The webhook outbox: events are written here in the same transaction as the change they tell
of, one row per endpoint whose organisation may see the record, and delivered after commit by
Celery (partners.tasks.webhook_drain).

Events heard from `cases` through its listeners (cases.listeners, registered in
PartnersConfig.ready): a case's status changed, an interview decision was recorded.

Bookings and notices (`booking.changed`, `notice.issued`): the movements models are not on main
yet. When they land, movements' services call `outbox_record(event_type=..., case=..., data=...)`
through a listener of the same kind (movements registers nothing with partners: partners sits
above movements and registers its listener with movements' hook, as here with cases).
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from cases import listeners
from cases.models import Case
from cases.selectors import organisation_sees_case
from core.background import enqueue_on_commit

from .models import WebhookEndpoint, WebhookEvent, WebhookMessage


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _endpoints_for(event_type: str) -> list[WebhookEndpoint]:
    endpoints = (
        WebhookEndpoint.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related("organisation__countries")
    )
    return [e for e in endpoints if e.wants(event_type)]


def outbox_record(*, event_type: str, case: Case, data: dict) -> list[WebhookMessage]:
    """Write one message per endpoint whose organisation sees `case` and wants `event_type`,
    and queue their delivery for when the transaction commits. Returns the messages."""
    now = timezone.now()
    messages = []
    for endpoint in _endpoints_for(event_type):
        if not organisation_sees_case(endpoint.organisation, case):
            continue
        messages.append(
            WebhookMessage(
                endpoint=endpoint,
                msg_id=new_message_id(),
                event_type=event_type,
                payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
                created_at=now,
                next_attempt_at=now,
            )
        )
    if not messages:
        return []
    WebhookMessage.objects.bulk_create(messages)
    _queue_drains({m.endpoint_id for m in messages})
    return messages


def _queue_drains(endpoint_ids: set[int]) -> None:
    """A drain per endpoint once the transaction commits (a drain with nothing due is cheap)."""
    from .tasks import webhook_drain

    for endpoint_id in sorted(endpoint_ids):
        enqueue_on_commit(webhook_drain, endpoint_id)


def case_facts(case: Case) -> dict:
    return {
        "case_id": case.pk,
        "case_number": case.case_number,
        "unhcr_case_number": case.unhcr_case_number,
        "destination_country": case.destination_country.iso_code,
    }


def on_status_changed(*, case, event) -> None:
    outbox_record(
        event_type=WebhookEvent.CASE_STATUS_CHANGED,
        case=case,
        data={
            **case_facts(case),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "transition": event.transition,
            "at": event.at.isoformat(),
        },
    )


def on_decision_recorded(*, interview, case) -> None:
    outbox_record(
        event_type=WebhookEvent.INTERVIEW_DECISION_RECORDED,
        case=case,
        data={
            **case_facts(case),
            "interview_id": interview.pk,
            "kind": interview.kind,
            "outcome": interview.outcome,
            "decision": interview.decision,
            "decided_on": interview.decided_on.isoformat() if interview.decided_on else None,
        },
    )


def register() -> None:
    listeners.register_status_listener(on_status_changed)
    listeners.register_decision_listener(on_decision_recorded)
