"""Travel documents of a member: recorded, corrected, removed; one document number per type and
issuing country."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.events import event_document_added, event_document_removed, event_document_updated
from cases.models import Case, Individual, TravelDocument
from core.errors import (
    ApplicationError,
    DuplicateRecord,
    clean_or_refuse,
    duplicates_refused,
    existing_record,
)

from .rules import _apply, _must_find, _raise_taken, _refuse_unknown

TRAVEL_DOCUMENT_FIELDS = ("document_type", "number", "issuing_country", "issued_on", "expires_on")


def travel_document_add(*, actor, individual: Individual, **fields) -> TravelDocument:
    """Record a travel document of a member (number normalised, not issued in the future). The
    same document (type, issuing country, number) recorded again is refused naming its holder."""
    document = TravelDocument(individual=individual, **fields)
    clean_or_refuse(document)
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=individual.case_id)
        _raise_taken(_document_taken(document))
        with duplicates_refused({"unique_document": lambda: _must_find(_document_taken(document))}):
            document.save()
        event_document_added(case=case, actor=actor, person=individual, document=document)
    return document


def _document_taken(document: TravelDocument) -> DuplicateRecord | None:
    existing = (
        TravelDocument.objects.filter(
            document_type=document.document_type,
            issuing_country=document.issuing_country,
            number=document.number,
        )
        .select_related("individual__case")
        .first()
    )
    if existing is None:
        return None
    return DuplicateRecord(
        _("This document is already recorded, for %(name)s (case %(case)s).")
        % {"name": existing.individual.full_name, "case": existing.individual.case.case_number},
        existing=existing_record(
            "travel_document", existing, url=existing.individual.case.get_absolute_url()
        ),
        field="number",
    )


def travel_document_update(*, actor, document: TravelDocument, **changes) -> TravelDocument:
    """Correct a travel document: the same rules as recording one (TravelDocument.clean), and
    the same refusal naming the holder when the corrected number is already recorded. The
    member's case row is locked first, then the document (the workflow's lock order)."""
    _refuse_unknown(TRAVEL_DOCUMENT_FIELDS, changes)
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=document.individual.case_id)
        locked = (
            TravelDocument.objects.select_for_update()
            .select_related("individual")
            .get(pk=document.pk)
        )
        changed = _apply(locked, TRAVEL_DOCUMENT_FIELDS, changes)
        if not changed:
            return locked
        clean_or_refuse(locked)
        taken = _document_taken(locked)
        if taken is not None and taken.existing.get("id") != locked.pk:
            raise taken
        with duplicates_refused({"unique_document": lambda: _must_find(_document_taken(locked))}):
            locked.save(update_fields=changed)
        event_document_updated(
            case=case, actor=actor, person=locked.individual, document=locked, fields=changed
        )
    return locked


def travel_document_remove(*, actor, document: TravelDocument, reason: str) -> None:
    """Delete a travel document recorded by mistake or replaced; the reason goes on the
    timeline of the member's case."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for removing this document."), field="reason")
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=document.individual.case_id)
        locked = (
            TravelDocument.objects.select_for_update()
            .select_related("individual")
            .get(pk=document.pk)
        )
        label = str(locked)
        person = locked.individual
        locked.delete()
        event_document_removed(case=case, actor=actor, person=person, label=label, reason=reason)
