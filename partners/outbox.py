"""The webhook outbox: events are written here in the same transaction as the change they tell
of, one row per endpoint whose organisation may see the record, and delivered after commit by
Celery (partners.tasks.webhook_drain).

Events heard through the listeners of the apps below (registered in PartnersConfig.ready, so
neither `cases` nor `movements` imports partners):
- from `cases.listeners`: a case's status changed, an interview decision was recorded; told to
  the organisations whose data scope holds the case (`organisation_sees_case`);
- from `movements.listeners`: a booking made (`booking.created`) or changed (`booking.changed`:
  tickets, reference, status, cancelled, rebooked, departed, arrived) and an advance booking
  notice sent (`notice.issued`); told only to the organisations that may read the case's
  bookings (`organisation_sees_bookings_of`: a mission, for its own country's cases).

A payload names the case and the booking and says what changed; never medical detail, nor the
free-text reasons and notes (a cancellation's reason may speak of health).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from cases import listeners
from cases.models import Case, PartnerOrganisation
from cases.selectors import organisation_sees_case
from core.background import enqueue_on_commit
from movements import listeners as movement_listeners
from movements.bookings.selectors import organisation_sees_bookings_of
from movements.listeners import BookingChange
from movements.mission import booking_summary

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


Scope = Callable[[PartnerOrganisation, Case], bool]


def endpoints_told(
    event_type: str, case: Case, *, sees: Scope = organisation_sees_case
) -> list[WebhookEndpoint]:
    """The active endpoints that want `event_type` and whose organisation `sees` the case."""
    return [e for e in _endpoints_for(event_type) if sees(e.organisation, case)]


def outbox_record(
    *,
    event_type: str,
    case: Case,
    data: dict | Callable[[], dict],
    sees: Scope = organisation_sees_case,
) -> list[WebhookMessage]:
    """Write one message per endpoint whose organisation `sees` the case (its data scope) and
    wants `event_type`, and queue their delivery for when the transaction commits. `data` may
    be a function, called only when some endpoint is told. Returns the messages."""
    endpoints = endpoints_told(event_type, case, sees=sees)
    if not endpoints:
        return []
    if callable(data):
        data = data()
    # Dates and times as ISO text, as they are sent.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    now = timezone.now()
    messages = []
    for endpoint in endpoints:
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


def booking_facts(booking) -> dict:
    """What a partner is told of a booking: the one rule of what a mission sees
    (`movements.mission`), summarised: its flights, how many travel and hold a ticket."""
    return booking_summary(booking)


def on_booking_changed(*, booking, change: str, changes: dict, replaces) -> None:
    created = change == BookingChange.BOOKED
    event_type = WebhookEvent.BOOKING_CREATED if created else WebhookEvent.BOOKING_CHANGED
    case = booking.case

    def data() -> dict:
        told = {
            **case_facts(case),
            "booking": booking_facts(booking),
            "change": change,
            "changes": changes,
        }
        if created:
            told["replaces_booking_id"] = replaces.pk if replaces is not None else None
        elif change == BookingChange.REBOOKED:
            told["replaced_by_booking_id"] = replaces.pk
        return told

    outbox_record(event_type=event_type, case=case, data=data, sees=organisation_sees_bookings_of)


def on_notice_issued(*, notice) -> None:
    # Not its text nor what changed (a cancellation's reason, travellers' needs): the mission
    # reads the notice through the notices API, and acknowledges it there.
    case = notice.booking.case
    outbox_record(
        event_type=WebhookEvent.NOTICE_ISSUED,
        case=case,
        data=lambda: {
            **case_facts(case),
            "booking_id": notice.booking_id,
            "notice_id": notice.pk,
            "sequence": notice.sequence,
            "kind": notice.kind,
            "sent_at": notice.sent_at,
        },
        sees=organisation_sees_bookings_of,
    )


def register() -> None:
    listeners.register_status_listener(on_status_changed)
    listeners.register_decision_listener(on_decision_recorded)
    movement_listeners.register_booking_listener(on_booking_changed)
    movement_listeners.register_notice_listener(on_notice_issued)
