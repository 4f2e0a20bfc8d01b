"""Timeline writers of the cases app. Every change of a case is told here, in the same
transaction as the change, by one named writer per kind of change; apps above `cases` keep
their own writers in their `events.py`, all built on `event_record`."""

from django.utils.translation import gettext as _

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
    """Append one entry to the case's timeline (the named writers below and in each app's
    events.py call this; services call the named writers)."""
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


def event_case_created(*, case, actor, members: int) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.CREATED,
        actor=actor,
        to_status=case.status,
        data={"members": members},
    )


def events_cases_created(*, cases: list[tuple[Case, int]], actor) -> list[CaseEvent]:
    """The "case created" entry of each of many cases taken in together (case, members), in
    one statement: the same entries `event_case_created` writes one at a time."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.CREATED,
            actor=actor,
            to_status=case.status,
            data={"members": members},
        )
        for case, members in cases
    )


def event_case_updated(*, case, actor, fields: list[str]) -> CaseEvent:
    return event_record(case=case, kind=EventKind.UPDATED, actor=actor, data={"fields": fields})


def event_member_added(*, case, actor, person) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.MEMBER_ADDED,
        actor=actor,
        data={"individual": person.pk, "name": person.full_name},
    )


def event_member_updated(*, case, actor, person, fields: list[str]) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.MEMBER_UPDATED,
        actor=actor,
        data={"individual": person.pk, "fields": fields},
    )


def event_member_removed(*, case, actor, name: str, reason: str) -> CaseEvent:
    return event_record(
        case=case, kind=EventKind.MEMBER_REMOVED, actor=actor, reason=reason, data={"name": name}
    )


def event_document_added(*, case, actor, person, document) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.DOCUMENT_ADDED,
        actor=actor,
        data={
            "individual": person.pk,
            "document_type": document.document_type,
            "number": document.number,
        },
    )


def event_document_updated(*, case, actor, person, document, fields: list[str]) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.MEMBER_UPDATED,
        actor=actor,
        reason=_("Travel document %(document)s of %(name)s corrected.")
        % {"document": document, "name": person.full_name},
        data={
            "individual": person.pk,
            "document": document.pk,
            "action": "document_changed",
            "fields": fields,
        },
    )


def event_document_removed(*, case, actor, person, label: str, reason: str) -> CaseEvent:
    return event_record(
        case=case,
        kind=EventKind.MEMBER_UPDATED,
        actor=actor,
        reason=_("Travel document %(document)s of %(name)s removed: %(reason)s")
        % {"document": label, "name": person.full_name, "reason": reason},
        data={"individual": person.pk, "action": "document_removed", "document": label},
    )


def event_status_changed(
    *, case, actor, from_status, to_status, transition, reason, data=None
) -> CaseEvent:
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
