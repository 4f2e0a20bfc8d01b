"""The rules of a household, each checked here for every door (page, API, import, task): which
fields may change, one principal applicant, the partner-destination rule, UNHCR numbers that
must not be taken already, and a lost race turned into the same refusal. The other service
modules of this package share them (names with an underscore stay inside the package)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError
from django.utils.translation import gettext as _

from cases.choices import Relationship
from cases.models import Case, Individual
from cases.selectors import partner_country_id
from core.errors import (
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    clean_or_refuse,
    existing_record,
)
from core.roles import Role, has_role

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


def partner_destination_refusal(actor, country) -> NotPermitted | None:
    """A partner system tied to one destination country writes only cases going there."""
    if actor is None or country is None or not has_role(actor, Role.PARTNER_SYSTEM):
        return None
    limited_to = partner_country_id(actor)
    if limited_to is not None and country.pk != limited_to:
        return NotPermitted(
            _("This account may only write cases going to its own country."),
            field="destination_country",
        )
    return None


def principal_problem(relationships: Iterable[str]) -> str | None:
    """Why a household's members do not have exactly one principal applicant, or None."""
    principals = sum(1 for r in relationships if r == Relationship.PRINCIPAL_APPLICANT)
    if principals == 0:
        return _("Mark one member as the principal applicant.")
    if principals > 1:
        return _("Only one member can be the principal applicant; %(count)d are marked so.") % {
            "count": principals
        }
    return None


def _case_record(case: Case) -> dict:
    return existing_record(
        "case",
        case,
        label=f"{case.case_number} / {case.unhcr_case_number}",
        url=case.get_absolute_url(),
        api="api-case-detail",
    )


def _case_number_taken(number: str) -> DuplicateRecord | None:
    """The refusal of a UNHCR case number already recorded, naming the case that holds it."""
    existing = Case.objects.filter(unhcr_case_number=number).first()
    if existing is None:
        return None
    return DuplicateRecord(
        _("UNHCR case number %(number)s is already recorded: case %(case)s.")
        % {"number": number, "case": existing.case_number},
        existing=_case_record(existing),
        field="unhcr_case_number",
    )


def _person_number_taken(number: str | None, *, field: str) -> DuplicateRecord | None:
    """The refusal of a UNHCR individual number already recorded, naming who holds it."""
    if not number:
        return None
    existing = Individual.objects.filter(unhcr_individual_number=number).select_related("case")
    existing = existing.first()
    if existing is None:
        return None
    return DuplicateRecord(
        _(
            "UNHCR individual number %(number)s is already recorded: %(name)s in case "
            "%(case)s (%(unhcr_case)s)."
        )
        % {
            "number": number,
            "name": existing.full_name,
            "case": existing.case.case_number,
            "unhcr_case": existing.case.unhcr_case_number,
        },
        existing=existing_record(
            "individual",
            existing,
            label=f"{existing.full_name} ({existing.case.case_number})",
            url=existing.case.get_absolute_url(),
            api="api-individual-detail",
        ),
        field=field,
    )


def _raise_taken(refusal: ApplicationError | None) -> None:
    if refusal is not None:
        raise refusal


def _must_find(refusal: ApplicationError | None) -> ApplicationError:
    """After losing a race to a unique constraint the winner's row is there to name."""
    return refusal or ApplicationError(
        _("The change conflicts with existing records."), code="conflict"
    )


# The unique constraints of the UNHCR numbers (`unique=True`: PostgreSQL names them
# <table>_<column>_key), whose violation means a concurrent intake got there first.
DUPLICATE_CONSTRAINTS = {
    "case": "cases_case_unhcr_case_number_key",
    "individual": "cases_individual_unhcr_individual_number_key",
}


def _collect(errors: dict, obj, *, exclude=(), prefix="", constraints=True) -> None:
    """Add `obj`'s own validation errors (core.errors.clean_or_refuse) to `errors`, by their
    path in the input."""
    try:
        clean_or_refuse(obj, exclude=exclude, prefix=prefix, constraints=constraints)
    except ApplicationError as refusal:
        for name, messages in refusal.field_errors.items():
            errors.setdefault(name, []).extend(messages)


def _integrity_to_application(error: IntegrityError) -> ApplicationError:
    """The deferred one-principal trigger fires at commit, outside any savepoint."""
    if "principal" in str(error):
        return ApplicationError(
            _("A case needs exactly one principal applicant."),
            field="relationship",
            code="principal_applicant",
        )
    return ApplicationError(_("The change conflicts with existing records."), code="conflict")


def _refuse_unknown(allowed: Iterable[str], given: dict, *, prefix: str = "") -> None:
    unknown = set(given) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=prefix + sorted(unknown)[0],
        )


def _apply(obj, allowed: Iterable[str], changes: dict) -> list[str]:
    _refuse_unknown(allowed, changes)
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
