"""Timeline writers. Every change of a case is told here, in the same transaction as the change."""

from .choices import EventKind
from .models import Case, CaseEvent


def event_record(
    *,
    case: Case,
    kind: str,
    actor=None,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    transition: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """Append one entry to the case's timeline."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        from_status=from_status,
        to_status=to_status,
        transition=transition,
        data=data or {},
    )


def event_status_changed(*, case, actor, from_status, to_status, transition, reason, data=None):
    return event_record(
        case=case,
        kind=EventKind.STATUS_CHANGED,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        transition=transition,
        reason=reason,
        data=data,
    )
