"""Intake and household edits: all or nothing, with errors that name the problem."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import CaseStatus, Relationship, Sex
from cases.errors import ApplicationError, DuplicateRecord
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
from cases.reference_data import load_reference_data
from cases.services import (
    case_create,
    case_update,
    individual_add,
    individual_remove,
    individual_update,
)
from tests.factories import CaseFactory, IndividualFactory


def referral(**overrides):
    fields = {
        "unhcr_case_number": "RWA-25-000777",
        "location": Location.objects.get(name="Kiziba"),
        "destination_country": Country.objects.get(iso_code="CAN"),
        "programme": Programme.objects.get(code="CA-GAR"),
        "movement_type": MovementType.objects.get(code="refugee_resettlement"),
        "submission_category": SubmissionCategory.objects.get(code="SVT"),
        "referral_date": datetime.date(2025, 3, 4),
    }
    fields.update(overrides)
    return fields


def member(relationship=Relationship.PRINCIPAL_APPLICANT, **overrides):
    fields = {
        "given_name": "Espérance",
        "family_name": "Uwimana",
        "sex": Sex.FEMALE,
        "date_of_birth": datetime.date(1988, 5, 17),
        "nationality": Country.objects.get(iso_code="COD"),
        "relationship": relationship,
    }
    fields.update(overrides)
    return fields


def test_intake_creates_the_case_its_members_and_a_timeline_entry(caseworker):
    case = case_create(
        actor=caseworker,
        members=[
            member(),
            member(Relationship.CHILD, given_name="Amani", date_of_birth=datetime.date(2015, 1, 1)),
        ],
        **referral(),
    )
    assert case.case_number.startswith("RW-")
    assert case.status == CaseStatus.REFERRED
    assert case.members.count() == 2
    event = case.events.get()
    assert (event.kind, event.actor) == ("created", caseworker)


def test_internal_numbers_are_unique_and_increasing(caseworker):
    first = case_create(actor=caseworker, members=[member()], **referral())
    second = case_create(
        actor=caseworker,
        members=[member(given_name="Claudine", unhcr_individual_number=None)],
        **referral(unhcr_case_number="RWA-25-000778"),
    )
    assert first.case_number < second.case_number


def test_a_duplicate_unhcr_case_number_is_refused_and_nothing_is_saved(caseworker):
    CaseFactory(unhcr_case_number="RWA-25-000777")
    before = (Case.objects.count(), Individual.objects.count(), CaseEvent.objects.count())
    with pytest.raises(DuplicateRecord) as error:
        case_create(actor=caseworker, members=[member()], **referral())
    assert error.value.field == "unhcr_case_number"
    existing = Case.objects.get(unhcr_case_number="RWA-25-000777")
    assert existing.case_number in str(error.value.message)
    assert error.value.existing["id"] == existing.pk
    assert (Case.objects.count(), Individual.objects.count(), CaseEvent.objects.count()) == before


@pytest.mark.parametrize("principals", [0, 2])
def test_intake_needs_exactly_one_principal_applicant(principals, caseworker):
    members = [member() for _ in range(principals)] + [member(Relationship.CHILD)]
    with pytest.raises(ApplicationError) as error:
        case_create(actor=caseworker, members=members, **referral())
    assert error.value.field == "members"
    assert Case.objects.count() == 0


def test_a_birth_date_in_the_future_is_refused_naming_the_member(caseworker):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ApplicationError) as error:
        case_create(
            actor=caseworker,
            members=[member(), member(Relationship.CHILD, date_of_birth=tomorrow)],
            **referral(),
        )
    assert error.value.field == "members[1].date_of_birth"
    assert "future" in str(error.value.message)
    assert (Case.objects.count(), Individual.objects.count()) == (0, 0)


def test_a_programme_of_another_country_is_refused(caseworker):
    with pytest.raises(ApplicationError) as error:
        case_create(
            actor=caseworker,
            members=[member()],
            **referral(programme=Programme.objects.get(code="USRAP")),
        )
    assert error.value.field == "programme"
    assert Case.objects.count() == 0


def test_status_and_internal_number_cannot_be_set_at_intake(caseworker):
    with pytest.raises(ApplicationError) as error:
        case_create(actor=caseworker, members=[member()], status=CaseStatus.BOOKED, **referral())
    assert error.value.field == "status"
    assert Case.objects.count() == 0


def test_a_second_principal_applicant_is_refused_by_the_service(caseworker):
    case = CaseFactory()
    with pytest.raises(ApplicationError):
        individual_add(actor=caseworker, case=case, **member(unhcr_individual_number="X-1"))
    child = IndividualFactory(case=case)
    with pytest.raises(ApplicationError):
        individual_update(
            actor=caseworker, individual=child, relationship=Relationship.PRINCIPAL_APPLICANT
        )
    assert case.members.filter(relationship=Relationship.PRINCIPAL_APPLICANT).count() == 1
    assert not case.events.exists()


def test_the_database_itself_refuses_a_second_principal(db):
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualFactory(case=case, relationship=Relationship.PRINCIPAL_APPLICANT)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_commit_a_case_without_a_principal():
    load_reference_data()
    with pytest.raises(IntegrityError, match="exactly one principal"), transaction.atomic():
        CaseFactory(principal=False, members=2)
    assert Case.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_removing_the_principal_is_refused_by_the_database_at_commit():
    load_reference_data()
    case = CaseFactory(members=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        case.members.get(relationship=Relationship.PRINCIPAL_APPLICANT).delete()
    assert case.members.count() == 2


def test_the_principal_cannot_be_removed_by_the_service(caseworker):
    case = CaseFactory()
    with pytest.raises(ApplicationError):
        individual_remove(actor=caseworker, individual=case.members.get(), reason="left")
    assert case.members.count() == 1


def test_household_edits_record_the_changed_fields(caseworker):
    case = CaseFactory()
    case_update(actor=caseworker, case=case, notes="Needs ground floor housing", urgency="urgent")
    event = case.events.get()
    assert (event.kind, sorted(event.data["fields"])) == ("updated", ["notes", "urgency"])


def test_status_cannot_be_edited_as_household_data(caseworker):
    case = CaseFactory()
    with pytest.raises(ApplicationError) as error:
        case_update(actor=caseworker, case=case, status=CaseStatus.CLOSED)
    assert error.value.field == "status"
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED


def test_removing_a_member_keeps_the_reason_on_the_timeline(caseworker):
    case = CaseFactory(members=1)
    child = case.members.exclude(relationship=Relationship.PRINCIPAL_APPLICANT).get()
    individual_remove(actor=caseworker, individual=child, reason="Married, own case")
    assert case.members.count() == 1
    assert case.events.get().reason == "Married, own case"
