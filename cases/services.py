"""Writes to cases and their members. Each service validates, writes in one transaction, tells
the timeline, and names the acting user for the audit trail. Status is not written here: see
`cases.workflow.case_transition`."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import acting_as
from .choices import EventKind, Relationship
from .errors import ApplicationError
from .events import event_record
from .models import Case, Individual, TravelDocument

# Fields a caseworker may change on a case after intake (never status or the internal number).
CASE_EDITABLE_FIELDS = (
    "unhcr_case_number",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "urgency",
    "caseworker",
    "referral_date",
    "notes",
)
INDIVIDUAL_EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "nationality",
    "relationship",
    "unhcr_individual_number",
    "languages",
    "special_needs",
)


def _validation_error_to_application(error: ValidationError) -> ApplicationError:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        field = None if field == "__all__" else field
        return ApplicationError(
            messages[0], field=field, extra={"errors": error.message_dict}, code="invalid"
        )
    return ApplicationError(error.messages[0], code="invalid")


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=True)
    except ValidationError as error:
        raise _validation_error_to_application(error) from error


def _check_programme(case: Case) -> None:
    if (
        case.programme_id
        and case.destination_country_id
        and case.programme.country_id != case.destination_country_id
    ):
        raise ApplicationError(
            _("The programme %(programme)s does not belong to %(country)s.")
            % {"programme": case.programme, "country": case.destination_country},
            field="programme",
        )


def _check_one_principal(members: list[dict]) -> None:
    principals = sum(
        1 for m in members if m.get("relationship") == Relationship.PRINCIPAL_APPLICANT
    )
    if principals != 1:
        raise ApplicationError(
            _("A case needs exactly one principal applicant; %(count)d were given.")
            % {"count": principals},
            field="members",
            code="principal_applicant",
        )


def case_create(*, actor, members: list[dict], **fields) -> Case:
    """Take in a referral: the case and all its members, all or nothing.

    Refuses (ApplicationError naming the field) a duplicate UNHCR case or individual number,
    anything but exactly one principal applicant, a birth date in the future, a programme of
    another country. The internal case number is drawn by the database.
    """
    _refuse_unknown(CASE_EDITABLE_FIELDS, fields)
    if not members:
        raise ApplicationError(_("A case needs at least one member."), field="members")
    _check_one_principal(members)
    case = Case(**fields)
    _full_clean(case, exclude=["case_number", "status", "resume_status"])
    _check_programme(case)
    try:
        with transaction.atomic(), acting_as(actor):
            case.save()
            case.refresh_from_db(fields=["case_number"])
            for index, member in enumerate(members):
                _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, member)
                person = Individual(case=case, **member)
                try:
                    person.full_clean(validate_constraints=True)
                except ValidationError as error:
                    failure = _validation_error_to_application(error)
                    failure.field = f"members[{index}].{failure.field or 'non_field'}"
                    raise failure from error
                person.save()
            event_record(
                case=case,
                kind=EventKind.CREATED,
                actor=actor,
                to_status=case.status,
                data={"members": len(members)},
            )
    except IntegrityError as error:
        raise _integrity_to_application(error) from error
    return case


def _integrity_to_application(error: IntegrityError) -> ApplicationError:
    text = str(error)
    if "unhcr_case_number" in text:
        return ApplicationError(
            _("A case with this UNHCR case number already exists."),
            field="unhcr_case_number",
            code="duplicate",
        )
    if "unhcr_individual_number" in text:
        return ApplicationError(
            _("A person with this UNHCR individual number already exists."),
            field="unhcr_individual_number",
            code="duplicate",
        )
    if "principal" in text:
        return ApplicationError(
            _("A case needs exactly one principal applicant."),
            field="relationship",
            code="principal_applicant",
        )
    return ApplicationError(_("The change conflicts with existing records."), code="conflict")


def _refuse_unknown(allowed: Iterable[str], given: dict) -> None:
    unknown = set(given) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )


def _apply(obj, allowed: Iterable[str], changes: dict) -> list[str]:
    _refuse_unknown(allowed, changes)
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def case_update(*, actor, case: Case, **changes) -> Case:
    """Change household data of a case; the timeline lists the fields that changed."""
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update().get(pk=case.pk)
        changed = _apply(case, CASE_EDITABLE_FIELDS, changes)
        if not changed:
            return case
        _full_clean(case, exclude=["case_number"])
        _check_programme(case)
        try:
            with transaction.atomic():
                case.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            raise _integrity_to_application(error) from error
        event_record(case=case, kind=EventKind.UPDATED, actor=actor, data={"fields": changed})
    return case


def individual_add(*, actor, case: Case, **fields) -> Individual:
    """Add a member to a case. A second principal applicant is refused."""
    _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, fields)
    person = Individual(case=case, **fields)
    _full_clean(person)
    try:
        with transaction.atomic(), acting_as(actor):
            person.save()
            event_record(
                case=case,
                kind=EventKind.MEMBER_ADDED,
                actor=actor,
                data={"individual": person.pk, "name": person.full_name},
            )
    except IntegrityError as error:
        raise _integrity_to_application(error) from error
    return person


def individual_update(*, actor, individual: Individual, **changes) -> Individual:
    """Change a member's data; making a second principal applicant is refused."""
    # The deferred one-principal check fires at commit: the whole block is inside the try.
    try:
        with transaction.atomic(), acting_as(actor):
            person = Individual.objects.select_for_update().get(pk=individual.pk)
            changed = _apply(person, INDIVIDUAL_EDITABLE_FIELDS, changes)
            if not changed:
                return person
            _full_clean(person)
            person.save(update_fields=[*changed, "updated_at"])
            event_record(
                case=person.case,
                kind=EventKind.MEMBER_UPDATED,
                actor=actor,
                data={"individual": person.pk, "fields": changed},
            )
    except IntegrityError as error:
        raise _integrity_to_application(error) from error
    return person


def individual_remove(*, actor, individual: Individual, reason: str) -> None:
    """Remove a member who left the household. The principal applicant cannot be removed."""
    if individual.relationship == Relationship.PRINCIPAL_APPLICANT:
        raise ApplicationError(
            _("The principal applicant cannot be removed; name another principal first."),
            field="relationship",
        )
    if not (reason or "").strip():
        raise ApplicationError(_("Give a reason for removing this person."), field="reason")
    try:
        with transaction.atomic(), acting_as(actor):
            case = individual.case
            name = individual.full_name
            individual.delete()
            event_record(
                case=case,
                kind=EventKind.MEMBER_REMOVED,
                actor=actor,
                reason=reason,
                data={"name": name},
            )
    except IntegrityError as error:
        raise _integrity_to_application(error) from error


TRAVEL_DOCUMENT_FIELDS = ("document_type", "number", "issuing_country", "issued_on", "expires_on")


def _check_document(document: TravelDocument) -> None:
    """The rules of a travel document, for every door (page, API, import)."""
    document.number = (document.number or "").strip().upper()
    if document.issued_on and document.issued_on > timezone.localdate():
        raise ApplicationError(
            _("The issue date cannot be in the future."), field="issued_on", code="invalid"
        )
    if document.issued_on and document.expires_on and document.expires_on <= document.issued_on:
        raise ApplicationError(
            _("A document expires after the day it was issued."),
            field="expires_on",
            code="invalid",
        )
    try:
        # The unique (type, country, number) is left to the database: see _duplicate_document.
        document.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise _validation_error_to_application(error) from error


def _duplicate_document(error: IntegrityError) -> ApplicationError:
    return ApplicationError(
        _("This document is already recorded."), field="number", code="duplicate"
    )


def travel_document_add(*, actor, individual: Individual, **fields) -> TravelDocument:
    """Record a travel document of a member. Refuses an issue date in the future, an expiry
    on or before the issue date, and a document already recorded (type, country, number)."""
    _refuse_unknown(TRAVEL_DOCUMENT_FIELDS, fields)
    document = TravelDocument(individual=individual, **fields)
    _check_document(document)
    try:
        with transaction.atomic(), acting_as(actor):
            document.save()
            event_record(
                case=individual.case,
                kind=EventKind.DOCUMENT_ADDED,
                actor=actor,
                data={
                    "individual": individual.pk,
                    "document_type": document.document_type,
                    "number": document.number,
                },
            )
    except IntegrityError as error:
        raise _duplicate_document(error) from error
    return document


def travel_document_update(*, actor, document: TravelDocument, **changes) -> TravelDocument:
    """Correct a travel document (same rules as recording one); the timeline of the member's
    case names the document and the fields that changed."""
    try:
        with transaction.atomic(), acting_as(actor):
            locked = (
                TravelDocument.objects.select_for_update()
                .select_related("individual__case")
                .get(pk=document.pk)
            )
            changed = _apply(locked, TRAVEL_DOCUMENT_FIELDS, changes)
            if not changed:
                return locked
            _check_document(locked)
            locked.save(update_fields=changed)
            person = locked.individual
            event_record(
                case=person.case,
                kind=EventKind.MEMBER_UPDATED,
                actor=actor,
                reason=_("Travel document %(document)s of %(name)s corrected.")
                % {"document": locked, "name": person.full_name},
                data={
                    "individual": person.pk,
                    "document": locked.pk,
                    "action": "document_changed",
                    "fields": changed,
                },
            )
    except IntegrityError as error:
        raise _duplicate_document(error) from error
    return locked


def travel_document_remove(*, actor, document: TravelDocument, reason: str) -> None:
    """Delete a travel document recorded by mistake or replaced; the reason goes on the
    timeline of the member's case."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for removing this document."), field="reason")
    with transaction.atomic(), acting_as(actor):
        locked = (
            TravelDocument.objects.select_for_update()
            .select_related("individual__case")
            .get(pk=document.pk)
        )
        person = locked.individual
        label = str(locked)
        locked.delete()
        event_record(
            case=person.case,
            kind=EventKind.MEMBER_UPDATED,
            actor=actor,
            reason=_("Travel document %(document)s of %(name)s removed: %(reason)s")
            % {"document": label, "name": person.full_name, "reason": reason},
            data={"individual": person.pk, "action": "document_removed", "document": label},
        )


@transaction.atomic
def case_tally_rebuild() -> int:
    """Recount the status tally (CaseTally) from the cases, for a database whose cases were
    written with triggers off (session_replication_role = replica). Locks the cases against
    writes while it counts; returns the number of tally rows."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE cases_case IN SHARE MODE")
        cursor.execute("DELETE FROM cases_casetally")
        cursor.execute(
            """
            INSERT INTO cases_casetally (location_id, destination_country_id, programme_id,
                                         caseworker_id, urgency, status, cases)
            SELECT location_id, destination_country_id, programme_id, caseworker_id, urgency,
                   status, count(*)
              FROM cases_case
             GROUP BY 1, 2, 3, 4, 5, 6
            """
        )
        return cursor.rowcount
