"""Referrals: a new case with its members, one at a time (`case_create`) or many in one call
(`case_create_many`), possible duplicates shown before anything is written, and a concurrent
intake that got there first refused like any other taken number."""

from __future__ import annotations

from collections.abc import Collection

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.events import event_case_created, events_cases_created
from cases.models import Case, Individual
from cases.selectors import name_key, possible_duplicates
from core.errors import ApplicationError, duplicates_refused, existing_record, refusal_of

from .rules import (
    CASE_EDITABLE_FIELDS,
    DUPLICATE_CONSTRAINTS,
    INDIVIDUAL_EDITABLE_FIELDS,
    _case_number_taken,
    _collect,
    _must_find,
    _person_number_taken,
    _raise_taken,
    _refuse_unknown,
    partner_destination_refusal,
    principal_problem,
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


def _fetched(given: dict) -> list[str]:
    """Fields given as records read from the database: their existence needs no query per
    referral (full_clean's), the foreign key holds it at the write (bulk intake's speed)."""
    return [name for name, value in given.items() if isinstance(value, Model) and value.pk]


def _referral_checked(
    *, actor, members: list[dict], fields: dict, constraints: bool = True
) -> tuple[Case, list]:
    """The rules of a referral that need no other record (unknown fields, the partner's
    destination, the case's and each member's own rules, one principal applicant, no UNHCR
    individual number twice), all reported at once; returns the unsaved case and members.
    `constraints=False` leaves the CHECK constraints to the database (case_create_many)."""
    _refuse_unknown(CASE_EDITABLE_FIELDS, fields)
    for index, member in enumerate(members):
        _refuse_unknown(INDIVIDUAL_EDITABLE_FIELDS, member, prefix=f"members[{index}].")
    _raise_taken(partner_destination_refusal(actor, fields.get("destination_country")))
    errors: dict[str, list] = {}
    case = Case(**fields)
    _collect(
        errors,
        case,
        exclude=["case_number", "status", "resume_status", *_fetched(fields)],
        constraints=constraints,
    )
    if not members:
        errors["members"] = [_("A case needs at least one member.")]
    elif problem := principal_problem(m.get("relationship") for m in members):
        errors["members"] = [problem]
    people = []
    seen_numbers: set[str] = set()
    for index, member in enumerate(members):
        person = Individual(case=case, **member)
        _collect(
            errors,
            person,
            exclude=["case", *_fetched(member)],
            prefix=f"members[{index}].",
            constraints=constraints,
        )
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
            # The CHECK constraints (a query each) are left to the joint write: should it fail,
            # every referral goes through case_create, which checks them one by one.
            case, people = _referral_checked(
                actor=actor, members=members, fields=fields, constraints=False
            )
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
