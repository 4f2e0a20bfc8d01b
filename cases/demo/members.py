"""The people of one demo household: who lives in it, their names, ages, languages and special
needs, as rows ready for COPY."""

from __future__ import annotations

import datetime
import random

from cases.choices import Relationship, Sex, SpecialNeed

from .population import FAMILY_NAMES, GIVEN_NAMES, HOUSEHOLD_SIZES, LANGUAGES, pick


def _languages(rng: random.Random, nationality: str) -> list[str]:
    spoken = [name for name, chance in LANGUAGES[nationality] if rng.random() < chance]
    return spoken or [LANGUAGES[nationality][0][0]]


def _birth_date(rng, on_day: datetime.date, age: int, estimated: bool) -> datetime.date:
    born = on_day - datetime.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
    if estimated:
        return datetime.date(born.year, 1, 1)
    return born


def _members(rng: random.Random, size: int):
    """Who lives in the household: (relationship, sex, age at referral) in a plausible shape.

    Children are at least 17 years younger than the youngest of their parents; an age of -1
    marks an unaccompanied child who is their own case.
    """
    if size == 1:
        if rng.random() < 0.04:
            return [(Relationship.PRINCIPAL_APPLICANT, rng.choice(_SEXES), -1)]
        sex = Sex.MALE if rng.random() < 0.55 else Sex.FEMALE
        return [(Relationship.PRINCIPAL_APPLICANT, sex, rng.randint(18, 70))]
    with_spouse = rng.random() < 0.68
    if with_spouse:
        pa_sex = Sex.MALE if rng.random() < 0.82 else Sex.FEMALE
    else:  # most single-parent households are headed by a woman
        pa_sex = Sex.FEMALE if rng.random() < 0.72 else Sex.MALE
    pa_age = rng.randint(22, 62)
    people = [(Relationship.PRINCIPAL_APPLICANT, pa_sex, pa_age)]
    youngest_parent = pa_age
    if with_spouse:
        spouse_sex = Sex.FEMALE if pa_sex == Sex.MALE else Sex.MALE
        gap = rng.randint(0, 8)
        spouse_age = max(19, pa_age - gap if spouse_sex == Sex.FEMALE else pa_age + gap)
        people.append((Relationship.SPOUSE, spouse_sex, spouse_age))
        youngest_parent = min(pa_age, spouse_age)
    slots = size - len(people)
    if slots and rng.random() < 0.08:
        parent_age = min(95, pa_age + 18 + rng.randint(0, 17))
        people.append((Relationship.PARENT, rng.choice(_SEXES), parent_age))
        slots -= 1
    if slots and pa_age >= 44 and rng.random() < 0.15:
        people.append((Relationship.GRANDCHILD, rng.choice(_SEXES), rng.randint(0, pa_age - 38)))
        slots -= 1
    oldest_child = min(youngest_parent - 17, 25)
    for _slot in range(slots):
        if oldest_child >= 0 and rng.random() < 0.9:
            people.append((Relationship.CHILD, rng.choice(_SEXES), rng.randint(0, oldest_child)))
        else:
            age = max(0, pa_age + rng.randint(-12, 12))
            people.append((Relationship.SIBLING, rng.choice(_SEXES), age))
    return people


_SEXES = (Sex.FEMALE, Sex.MALE)


def member_rows(rng, nationality, number, referral, created_at, refs):
    given_names = GIVEN_NAMES[nationality]
    family_names = FAMILY_NAMES[nationality]
    languages = _languages(rng, nationality)
    nationality_id = refs.countries[nationality]
    household_family = rng.choice(family_names)
    # Children often carry their father's name, often a name of their own (Kinyarwanda, Kirundi).
    father_family = household_family
    rows = []
    for position, (relationship, sex, age) in enumerate(
        _members(rng, pick(rng, HOUSEHOLD_SIZES)), start=1
    ):
        special = []
        if age < 0:
            age = rng.randint(14, 17)
            special.append(SpecialNeed.UNACCOMPANIED_MINOR.value)
        estimated = rng.random() < 0.25
        born = _birth_date(rng, referral, age, estimated)
        if relationship == Relationship.PRINCIPAL_APPLICANT:
            family = household_family
        elif relationship == Relationship.CHILD and rng.random() < 0.5:
            family = father_family
        else:
            family = rng.choice(family_names)
        if relationship == Relationship.SPOUSE and sex == Sex.MALE:
            father_family = family
        if age >= 60 and rng.random() < 0.08:
            special.append(SpecialNeed.WHEELCHAIR.value)
        elif rng.random() < 0.008:
            special.append(SpecialNeed.MEDICAL_ESCORT.value)
        if sex == Sex.FEMALE and 18 <= age <= 40 and rng.random() < 0.03:
            special.append(SpecialNeed.PREGNANCY.value)
        rows.append(
            [
                rng.choice(given_names[sex]),
                family,
                sex.value,
                born,
                estimated,
                nationality_id,
                relationship.value,
                f"{number}-{position:02d}",
                languages if age >= 3 else languages[:1],
                special,
                created_at,
                created_at,
            ]
        )
    return rows
