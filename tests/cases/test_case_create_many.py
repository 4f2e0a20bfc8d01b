"""case_create_many gives every referral exactly the answer case_create gives it: the same
cases, people and timeline for the valid ones, the same refusal (code, field, message) for the
others, whether a rule of the referral stops it or a record already there."""

import datetime

import pytest

from cases.models import (
    Case,
    CaseEvent,
    Country,
    Individual,
    Location,
    MovementType,
    Programme,
    SubmissionCategory,
)
from cases.services import case_create, case_create_many
from core.errors import ApplicationError
from core.roles import Role
from tests.factories import CaseFactory, IndividualFactory, user_with_role

pytestmark = pytest.mark.django_db


def referral(number, *people, **over):
    usa = Country.objects.get(iso_code="USA")
    fields = {
        "unhcr_case_number": number,
        "location": Location.objects.get(name="Kiziba"),
        "destination_country": usa,
        "programme": Programme.objects.get(code="USRAP"),
        "movement_type": MovementType.objects.get(code="refugee_resettlement"),
        "submission_category": SubmissionCategory.objects.get(code="LPN"),
        "referral_date": datetime.date(2026, 10, 1),
    }
    fields.update(over)
    members = [
        {
            "given_name": given,
            "family_name": family,
            "sex": "F",
            "date_of_birth": datetime.date(1990, 1, 1) + datetime.timedelta(days=offset),
            "nationality": Country.objects.get(iso_code="COD"),
            "relationship": relationship,
            **extra,
        }
        for given, family, relationship, offset, extra in people
    ]
    return fields, members


def pa(given, family="Uwimana", offset=0, **extra):
    return (given, family, "PA", offset, extra)


def child(given, family="Uwimana", offset=9000, **extra):
    return (given, family, "CHILD", offset, extra)


@pytest.fixture
def referrals():
    recorded = CaseFactory(unhcr_case_number="RWA-26-000100")
    IndividualFactory(
        case=recorded,
        given_name="Recorded",
        family_name="Person",
        date_of_birth=datetime.date(1985, 5, 5),
        relationship="CHILD",
        unhcr_individual_number="RWA-I-100",
    )
    return [
        referral("RWA-26-000001", pa("Aline"), child("Eric")),  # fine
        referral("rwa-26-000002 ", pa("Bosco", family="Habimana")),  # fine once normalised
        referral("RWA-26-000003", child("Claire", family="Mukamana")),  # no principal
        referral("RWA-26-000004", pa("Denise", family="Ndayisaba", offset=50000)),  # future
        referral("RWA-26-000100", pa("Fils", family="Kabera")),  # case number recorded
        referral(
            "RWA-26-000006", pa("Grace", family="Bizimana", unhcr_individual_number="RWA-I-100")
        ),
        referral("RWA-26-000007", ("Recorded", "Person", "PA", -1702, {})),  # possible duplicate
        referral("RWA-26-000001", pa("Ines", family="Niyonsaba")),  # number of the first, again
        referral("RWA-26-000009", pa("Aline")),  # the first's principal again: possible duplicate
        referral("RWA-26-000010", pa("Jean", family="Kayitesi"), status="closed"),  # unknown field
    ]


def answers_of(outcomes):
    """What each referral was answered; the internal numbers of the cases created here read as
    <created N> (each run draws its own from the sequence)."""
    created = {
        o.case_number: f"<created {i}>"
        for i, o in enumerate(outcomes)
        if not isinstance(o, ApplicationError)
    }
    out = []
    for outcome in outcomes:
        if isinstance(outcome, ApplicationError):
            message = str(outcome.message)
            for number, placeholder in created.items():
                message = message.replace(number, placeholder)
            out.append(("refused", outcome.code, outcome.field, message))
        else:
            members = list(outcome.members.order_by("date_of_birth", "id"))
            out.append(
                (
                    "created",
                    outcome.unhcr_case_number,
                    outcome.status,
                    [(m.given_name, m.relationship, m.unhcr_individual_number) for m in members],
                    list(
                        outcome.events.values_list("kind", "to_status", "data", "actor__username")
                    ),
                )
            )
    return out


def one_by_one(actor, referrals):
    outcomes = []
    for fields, members in referrals:
        try:
            outcomes.append(case_create(actor=actor, members=members, **fields))
        except ApplicationError as refusal:
            outcomes.append(refusal)
    return outcomes


class Rollback(Exception):
    pass


def test_many_referrals_get_the_answers_they_get_one_by_one(referrals):
    from django.db import transaction

    actor = user_with_role(Role.CASEWORKER, username="intake")
    try:
        with transaction.atomic():
            single = answers_of(one_by_one(actor, referrals))
            raise Rollback
    except Rollback:
        pass
    assert Case.objects.count() == 1  # only the recorded one

    together = answers_of(case_create_many(actor=actor, referrals=referrals))

    assert together == single
    assert [a[0] for a in together] == ["created", "created"] + ["refused"] * 8
    assert together[1][1] == "RWA-26-000002"
    assert [a[1:3] for a in together[2:]] == [
        ("invalid", "members"),
        ("invalid", "members[0].date_of_birth"),
        ("duplicate", "unhcr_case_number"),
        ("duplicate", "members[0].unhcr_individual_number"),
        ("possible_duplicate", "acknowledged_duplicates"),
        ("duplicate", "unhcr_case_number"),  # the first referral's number, taken just now
        ("possible_duplicate", "acknowledged_duplicates"),  # the first referral's principal
        ("invalid", "status"),
    ]
    assert Case.objects.count() == 3
    assert Individual.objects.count() == 5
    assert CaseEvent.objects.filter(kind="created").count() == 2


def test_a_lost_race_sends_every_referral_through_case_create(referrals, monkeypatch):
    from cases.services import referrals as services

    def lost(actor, referrals):
        from django.db import IntegrityError

        raise IntegrityError("another writer got there first")

    monkeypatch.setattr(services, "_write_referrals", lost)
    actor = user_with_role(Role.CASEWORKER, username="intake")
    answers = answers_of(case_create_many(actor=actor, referrals=referrals))
    assert [a[0] for a in answers] == ["created", "created"] + ["refused"] * 8
    assert Case.objects.count() == 3
