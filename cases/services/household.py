"""Edits of a case's household after intake: the case's own fields and its members added, edited
or removed."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.choices import Relationship
from cases.events import (
    event_case_updated,
    event_member_added,
    event_member_removed,
    event_member_updated,
)
from cases.models import Case, Individual, normalise_unhcr_number
from core.errors import ApplicationError, DuplicateRecord, clean_or_refuse, duplicates_refused

from .rules import (
    CASE_EDITABLE_FIELDS,
    DUPLICATE_CONSTRAINTS,
    INDIVIDUAL_EDITABLE_FIELDS,
    _apply,
    _case_number_taken,
    _integrity_to_application,
    _must_find,
    _person_number_taken,
    _raise_taken,
    _refuse_unknown,
    partner_destination_refusal,
)


def case_update(*, actor, case: Case, **changes) -> Case:
    """Change household data of a case; the timeline lists the fields that changed.

    The case's own rules hold as at intake (normalised UNHCR number, no referral date in the
    future, a programme of the destination); a UNHCR case number recorded on another case is
    refused naming that case; a partner tied to a country keeps the case going there."""
    _refuse_unknown(CASE_EDITABLE_FIELDS, changes)
    _raise_taken(partner_destination_refusal(actor, changes.get("destination_country")))
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if "unhcr_case_number" in changes:
            changes["unhcr_case_number"] = normalise_unhcr_number(changes["unhcr_case_number"])
        changed = _apply(case, CASE_EDITABLE_FIELDS, changes)
        if not changed:
            return case
        clean_or_refuse(case, exclude=["case_number"])
        if "unhcr_case_number" in changed:
            _raise_taken(_case_number_taken_by_other(case))
        with duplicates_refused(
            {DUPLICATE_CONSTRAINTS["case"]: lambda: _must_find(_case_number_taken_by_other(case))}
        ):
            case.save(update_fields=[*changed, "updated_at"])
        event_case_updated(case=case, actor=actor, fields=changed)
    return case


def _case_number_taken_by_other(case: Case) -> DuplicateRecord | None:
    refusal = _case_number_taken(case.unhcr_case_number)
    return refusal if refusal is not None and refusal.existing["id"] != case.pk else None


def _person_number_taken_by_other(person: Individual) -> DuplicateRecord | None:
    refusal = _person_number_taken(person.unhcr_individual_number, field="unhcr_individual_number")
    return refusal if refusal is not None and refusal.existing["id"] != person.pk else None


def _one_principal_per_case(person: Individual) -> ApplicationError | None:
    """A second principal applicant of the case, refused in words (the database refuses it too)."""
    if person.relationship != Relationship.PRINCIPAL_APPLICANT:
        return None
    others = Individual.objects.filter(
        case_id=person.case_id, relationship=Relationship.PRINCIPAL_APPLICANT
    ).exclude(pk=person.pk)
    if others.exists():
        return ApplicationError(
            _("This case already has a principal applicant."),
            field="relationship",
            code="principal_applicant",
        )
    return None


def individual_add(*, actor, case: Case, **fields) -> Individual:
    """Add a member to a case. The member's own rules hold as at intake; a second principal
    applicant and a UNHCR individual number already recorded (naming who holds it) are
    refused."""
    _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, fields)
    person = Individual(case=case, **fields)
    clean_or_refuse(person)
    try:
        with transaction.atomic(), acting_as(actor):
            locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
            person.case = locked
            _raise_taken(_one_principal_per_case(person))
            _raise_taken(_person_number_taken_by_other(person))
            with duplicates_refused(
                {
                    DUPLICATE_CONSTRAINTS["individual"]: lambda: _must_find(
                        _person_number_taken_by_other(person)
                    )
                }
            ):
                person.save()
            event_member_added(case=locked, actor=actor, person=person)
    except IntegrityError as error:
        raise _integrity_to_application(error) from error
    return person


def individual_update(*, actor, individual: Individual, **changes) -> Individual:
    """Change a member's data; the member's own rules hold as at intake; making a second
    principal applicant, or taking a UNHCR number another person holds, is refused."""
    _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, changes)
    # The deferred one-principal check fires at commit: the whole block is inside the try.
    try:
        with transaction.atomic(), acting_as(actor):
            case = Case.objects.select_for_update(no_key=True).get(pk=individual.case_id)
            person = Individual.objects.select_for_update().get(pk=individual.pk)
            if "unhcr_individual_number" in changes:
                changes["unhcr_individual_number"] = (
                    normalise_unhcr_number(changes["unhcr_individual_number"]) or None
                )
            was_principal = person.relationship == Relationship.PRINCIPAL_APPLICANT
            changed = _apply(person, INDIVIDUAL_EDITABLE_FIELDS, changes)
            if not changed:
                return person
            if was_principal and person.relationship != Relationship.PRINCIPAL_APPLICANT:
                raise ApplicationError(
                    _(
                        "This person is the principal applicant and stays so: every case needs "
                        "exactly one."
                    ),
                    field="relationship",
                    code="principal_applicant",
                )
            clean_or_refuse(person)
            _raise_taken(_one_principal_per_case(person))
            if "unhcr_individual_number" in changed:
                _raise_taken(_person_number_taken_by_other(person))
            with duplicates_refused(
                {
                    DUPLICATE_CONSTRAINTS["individual"]: lambda: _must_find(
                        _person_number_taken_by_other(person)
                    )
                }
            ):
                person.save(update_fields=[*changed, "updated_at"])
            event_member_updated(case=case, actor=actor, person=person, fields=changed)
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
            case = Case.objects.select_for_update(no_key=True).get(pk=individual.case_id)
            name = individual.full_name
            individual.delete()
            event_member_removed(case=case, actor=actor, name=name, reason=reason)
    except IntegrityError as error:
        raise _integrity_to_application(error) from error
