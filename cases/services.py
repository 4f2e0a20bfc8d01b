"""Writes to cases and their members. Each service validates, writes in one transaction, tells
the timeline, and names the acting user for the audit trail. Status is not written here: see
`cases.workflow.case_transition`."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.errors import (
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    clean_or_refuse,
    duplicates_refused,
    existing_record,
    refusal_of,
)
from core.roles import Role, has_role

from .audit import acting_as
from .choices import Relationship
from .events import (
    event_case_created,
    event_case_updated,
    event_document_added,
    event_document_removed,
    event_document_updated,
    event_member_added,
    event_member_removed,
    event_member_updated,
    events_cases_created,
)
from .models import Case, Individual, TravelDocument, normalise_unhcr_number
from .selectors import name_key, partner_country_id, possible_duplicates

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


# ---------------------------------------------------------------------------------------------
# The rules of a household, each checked here for every door (page, API, import, task)


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


class PossibleDuplicates(ApplicationError):
    """Members who look like people already recorded (same name and birth date). Intake goes on
    only once each of them is acknowledged (`acknowledged_duplicates`: their ids)."""

    status_code = 409
    default_code = "possible_duplicate"

    def __init__(self, matches: list[dict]):
        self.matches = matches
        super().__init__(
            _(
                "Some members may already be recorded: check them, then send their ids in "
                "acknowledged_duplicates to save anyway."
            ),
            field="acknowledged_duplicates",
            extra={
                "duplicates": [
                    {
                        "member": f"members[{m['index']}]",
                        "existing": existing_record(
                            "individual",
                            m["existing"],
                            label=f"{m['existing'].full_name} ({m['existing'].case.case_number})",
                            url=m["existing"].case.get_absolute_url(),
                            api="api-individual-detail",
                        ),
                    }
                    for m in matches
                ]
            },
        )


def possible_duplicate_matches(people: list[Individual]) -> list[dict]:
    """People already recorded with the same names and birth date as one of `people`."""
    matches = []
    for index, person in enumerate(people):
        if not person.date_of_birth:
            continue
        for existing in possible_duplicates(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
        ):
            if existing.pk == person.pk:
                continue
            matches.append(
                {
                    "index": index,
                    "member_name": person.full_name,
                    "existing": existing,
                    "same_number": False,
                }
            )
    return matches


def _refuse_possible_duplicates(people: list[Individual], acknowledged: Collection[int]) -> None:
    acknowledged = {int(pk) for pk in acknowledged}
    matches = possible_duplicate_matches(people)
    if any(m["existing"].pk not in acknowledged for m in matches):
        raise PossibleDuplicates(matches)


# The unique constraints of the UNHCR numbers (`unique=True`: PostgreSQL names them
# <table>_<column>_key), whose violation means a concurrent intake got there first.
DUPLICATE_CONSTRAINTS = {
    "case": "cases_case_unhcr_case_number_key",
    "individual": "cases_individual_unhcr_individual_number_key",
}


def _referral_checked(*, actor, members: list[dict], fields: dict) -> tuple[Case, list]:
    """The rules of a referral that need no other record (unknown fields, the partner's
    destination, the case's and each member's own rules, one principal applicant, no UNHCR
    individual number twice), all reported at once; returns the unsaved case and members."""
    _refuse_unknown(CASE_EDITABLE_FIELDS, fields)
    for index, member in enumerate(members):
        _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, member, prefix=f"members[{index}].")
    _raise_taken(partner_destination_refusal(actor, fields.get("destination_country")))
    errors: dict[str, list] = {}
    case = Case(**fields)
    _collect(errors, case, exclude=["case_number", "status", "resume_status"])
    if not members:
        errors["members"] = [_("A case needs at least one member.")]
    elif problem := principal_problem(m.get("relationship") for m in members):
        errors["members"] = [problem]
    people = []
    seen_numbers: set[str] = set()
    for index, member in enumerate(members):
        person = Individual(case=case, **member)
        _collect(errors, person, exclude=["case"], prefix=f"members[{index}].")
        number = person.unhcr_individual_number
        if number and number in seen_numbers:
            errors.setdefault(f"members[{index}].unhcr_individual_number", []).append(
                _("Two members cannot have the same UNHCR individual number.")
            )
        seen_numbers.add(number)
        people.append(person)
    if errors:
        raise refusal_of(errors)
    return case, people


def case_create(
    *, actor, members: list[dict], acknowledged_duplicates: Collection[int] = (), **fields
) -> Case:
    """Take in a referral: the case and all its members, all or nothing.

    Every rule is checked at once and reported together (ApplicationError, `extra["errors"]`
    by path: `referral_date`, `members`, `members[1].date_of_birth`, ...): the case's and each
    member's own rules (numbers normalised, no date in the future, a programme of the
    destination), exactly one principal applicant, no UNHCR individual number twice. Then a
    UNHCR case or individual number already recorded is refused (DuplicateRecord naming the
    record, the same when a concurrent intake wins the race), and members that look like people
    already recorded (name and birth date) are refused (PossibleDuplicates) unless their ids are
    in `acknowledged_duplicates`. A partner system tied to a country writes only cases going
    there (NotPermitted). The internal case number is drawn by the database.
    """
    case, people = _referral_checked(actor=actor, members=members, fields=fields)
    _raise_taken(_case_number_taken(case.unhcr_case_number))
    for index, person in enumerate(people):
        field = f"members[{index}].unhcr_individual_number"
        _raise_taken(_person_number_taken(person.unhcr_individual_number, field=field))
    _refuse_possible_duplicates(people, acknowledged_duplicates)
    with transaction.atomic(), acting_as(actor):
        with duplicates_refused(_intake_races(case, people)):
            case.save()
            for person in people:
                person.case = case
                person.save()
        case.refresh_from_db(fields=["case_number"])
        event_case_created(case=case, actor=actor, members=len(people))
    return case


def case_create_many(*, actor, referrals: list[tuple[dict, list[dict]]]) -> list:
    """Take in many referrals (fields, members) at once, each with exactly the answer
    `case_create` gives it: a Case, or the ApplicationError refusing it.

    Each referral is checked on its own by the rules that need no other record (the same
    `_referral_checked` as case_create). The checks against recorded people and cases run once
    for all: UNHCR case and individual numbers taken, people with the same names and birth date
    (possible duplicates), and the same number or person twice in the call. The referrals that
    pass every check are written together in one transaction (cases, people and their timeline
    entries, one statement each). Any referral a check stops goes through case_create itself,
    after them and in order, so its refusal is the one a single referral gets; should the joint
    write fail (another writer got there first), every referral goes through case_create.
    """
    outcomes: list = [None] * len(referrals)
    checked = []
    for index, (fields, members) in enumerate(referrals):
        try:
            case, people = _referral_checked(actor=actor, members=members, fields=fields)
        except ApplicationError as refusal:
            outcomes[index] = refusal
            continue
        checked.append((index, case, people))
    ready, one_by_one = _split_on_recorded(checked)
    if ready:
        try:
            _write_referrals(actor, [(case, people) for _index, case, people in ready])
        except IntegrityError:
            one_by_one = sorted(one_by_one + [index for index, _case, _people in ready])
        else:
            for index, case, _people in ready:
                outcomes[index] = case
    for index in one_by_one:
        fields, members = referrals[index]
        try:
            outcomes[index] = case_create(actor=actor, members=members, **fields)
        except ApplicationError as refusal:
            outcomes[index] = refusal
    return outcomes


def _split_on_recorded(checked: list) -> tuple[list, list[int]]:
    """(referrals no recorded or earlier record stands in the way of, indexes of the others)."""
    case_numbers = {case.unhcr_case_number for _index, case, _people in checked}
    people = [person for _index, _case, members in checked for person in members]
    person_numbers = {p.unhcr_individual_number for p in people if p.unhcr_individual_number}
    taken_cases = set(
        Case.objects.filter(unhcr_case_number__in=case_numbers).values_list(
            "unhcr_case_number", flat=True
        )
    )
    taken_people = set(
        Individual.objects.filter(unhcr_individual_number__in=person_numbers).values_list(
            "unhcr_individual_number", flat=True
        )
    )
    recorded = set(
        Individual.objects.filter(
            family_name_key__in={name_key(p.family_name) for p in people},
            date_of_birth__in={p.date_of_birth for p in people},
        ).values_list("family_name_key", "given_name_key", "date_of_birth")
    )
    ready, others = [], []
    for index, case, members in checked:
        keys = {(name_key(p.family_name), name_key(p.given_name), p.date_of_birth) for p in members}
        numbers = {p.unhcr_individual_number for p in members if p.unhcr_individual_number}
        if case.unhcr_case_number in taken_cases or numbers & taken_people or keys & recorded:
            others.append(index)
            continue
        # What this referral takes, later ones in the call find taken (as case_create would).
        taken_cases.add(case.unhcr_case_number)
        taken_people |= numbers
        recorded |= keys
        ready.append((index, case, members))
    return ready, others


def _write_referrals(actor, referrals: list[tuple[Case, list[Individual]]]) -> None:
    with transaction.atomic(), acting_as(actor):
        Case.objects.bulk_create([case for case, _people in referrals])
        people = []
        for case, members in referrals:
            for person in members:
                person.case = case
                people.append(person)
        Individual.objects.bulk_create(people)
        events_cases_created(
            cases=[(case, len(members)) for case, members in referrals], actor=actor
        )
        # The one-principal check is deferred to the commit: run it here, inside the block, so a
        # failure is this call's IntegrityError.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _collect(errors: dict, obj, *, exclude=(), prefix="") -> None:
    """Add `obj`'s own validation errors (core.errors.clean_or_refuse) to `errors`, by their
    path in the input."""
    try:
        clean_or_refuse(obj, exclude=exclude, prefix=prefix)
    except ApplicationError as refusal:
        for name, messages in refusal.field_errors.items():
            errors.setdefault(name, []).extend(messages)


def _intake_races(case: Case, people: list[Individual]) -> dict:
    """The refusals of a concurrent intake that saved the same numbers first."""

    def person_taken():
        for index, person in enumerate(people):
            field = f"members[{index}].unhcr_individual_number"
            if refusal := _person_number_taken(person.unhcr_individual_number, field=field):
                return refusal
        return None

    return {
        DUPLICATE_CONSTRAINTS["case"]: lambda: _must_find(
            _case_number_taken(case.unhcr_case_number)
        ),
        DUPLICATE_CONSTRAINTS["individual"]: lambda: _must_find(person_taken()),
    }


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
