"""Edits of household data from the browser: case fields, members, travel documents. Each is on
the timeline; read-only roles may look but not change."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import DocumentType, EventKind, Relationship, Sex, Urgency
from cases.models import Case, CaseEvent, Country, Individual, TravelDocument
from tests.factories import CaseFactory, IndividualFactory

READ_ONLY_ROLES = ["manager", "clinician", "facilitator", "movement_officer"]


def case_form_data(case, **changes):
    data = {
        "unhcr_case_number": case.unhcr_case_number,
        "referral_date": case.referral_date.isoformat(),
        "location": case.location_id,
        "destination_country": case.destination_country_id,
        "programme": case.programme_id,
        "movement_type": case.movement_type_id,
        "submission_category": case.submission_category_id,
        "urgency": case.urgency,
        "caseworker": case.caseworker_id or "",
        "notes": case.notes,
    }
    data.update(changes)
    return data


def member_form_data(person, **changes):
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat(),
        "nationality": person.nationality_id,
        "relationship": person.relationship,
        "unhcr_individual_number": person.unhcr_individual_number or "",
        "languages": ", ".join(person.languages),
    }
    data.update(changes)
    return data


def document_data(**changes):
    data = {
        "document_type": DocumentType.PASSPORT,
        "number": "pa1234567",
        "issuing_country": Country.objects.get(iso_code="COD").pk,
        "issued_on": "2024-01-10",
        "expires_on": "2034-01-09",
    }
    data.update(changes)
    return data


def test_a_caseworker_changes_case_data_and_the_timeline_says_what(client, caseworker):
    case = CaseFactory()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:edit", args=[case.pk]),
        case_form_data(case, urgency=Urgency.EMERGENCY, caseworker=caseworker.pk),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.urgency, case.caseworker) == (Urgency.EMERGENCY, caseworker)
    event = case.events.get(kind=EventKind.UPDATED)
    assert sorted(event.data["fields"]) == ["caseworker", "urgency"]
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Changed: " in page and "urgency" in page


def test_a_programme_of_another_country_is_refused_in_place(client, caseworker):
    case = CaseFactory()
    canada_programme = Country.objects.get(iso_code="CAN").programmes.first()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:edit", args=[case.pk]), case_form_data(case, programme=canada_programme.pk)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["programme"]
    case.refresh_from_db()
    assert case.programme != canada_programme
    assert not case.events.exists()


def test_another_case_s_unhcr_number_is_refused_in_place(client, caseworker):
    other = CaseFactory()
    case = CaseFactory()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:edit", args=[case.pk]),
        case_form_data(case, unhcr_case_number=other.unhcr_case_number),
    )

    assert response.status_code == 400
    assert 'id="id_unhcr_case_number_error"' in response.content.decode()
    assert Case.objects.filter(unhcr_case_number=other.unhcr_case_number).count() == 1


def test_a_caseworker_edits_a_member(client, caseworker):
    case = CaseFactory(members=1)
    child = case.members.get(relationship=Relationship.CHILD)
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:member_edit", args=[case.pk, child.pk]),
        member_form_data(child, given_name="Divine", special_needs=["wheelchair"]),
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.given_name, child.special_needs) == ("Divine", ["wheelchair"])
    event = case.events.get(kind=EventKind.MEMBER_UPDATED)
    assert sorted(event.data["fields"]) == ["given_name", "special_needs"]
    assert "Divine" in client.get(case.get_absolute_url()).content.decode()


def test_a_second_principal_applicant_is_refused_in_place(client, caseworker):
    case = CaseFactory(members=1)
    child = case.members.get(relationship=Relationship.CHILD)
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:member_edit", args=[case.pk, child.pk]),
        member_form_data(child, relationship=Relationship.PRINCIPAL_APPLICANT),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["relationship"] == [
        "This case already has a principal applicant."
    ]
    child.refresh_from_db()
    assert child.relationship == Relationship.CHILD


def test_the_principal_applicant_stays_principal(client, caseworker):
    case = CaseFactory()
    principal = case.members.get()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:member_edit", args=[case.pk, principal.pk]),
        member_form_data(principal, relationship=Relationship.SPOUSE),
    )

    assert response.status_code == 400
    principal.refresh_from_db()
    assert principal.relationship == Relationship.PRINCIPAL_APPLICANT


def test_a_caseworker_adds_a_member(client, caseworker):
    case = CaseFactory()
    client.force_login(caseworker)
    newborn = IndividualFactory.build(
        case=case, given_name="Ishimwe", sex=Sex.MALE, date_of_birth=timezone.localdate()
    )
    newborn.nationality = Country.objects.get(iso_code="RWA")
    newborn.unhcr_individual_number = ""
    newborn.relationship = Relationship.CHILD

    response = client.post(reverse("cases:member_add", args=[case.pk]), member_form_data(newborn))

    assert response.status_code == 302
    assert case.members.filter(given_name="Ishimwe").exists()
    assert case.events.get().kind == EventKind.MEMBER_ADDED


def test_a_birth_date_in_the_future_is_refused_when_adding(client, caseworker):
    case = CaseFactory()
    client.force_login(caseworker)
    person = IndividualFactory.build(case=case, relationship=Relationship.CHILD)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("cases:member_add", args=[case.pk]),
        member_form_data(
            person, date_of_birth=tomorrow.isoformat(), nationality=Country.objects.first().pk
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["date_of_birth"]
    assert case.members.count() == 1


def test_a_member_who_left_is_removed_with_a_reason(client, caseworker):
    case = CaseFactory(members=1)
    child = case.members.get(relationship=Relationship.CHILD)
    client.force_login(caseworker)
    url = reverse("cases:member_remove", args=[case.pk, child.pk])

    without_reason = client.post(url, {"reason": ""})
    assert without_reason.status_code == 400
    assert Individual.objects.filter(pk=child.pk).exists()

    response = client.post(url, {"reason": "Married and left the household"})
    assert response.status_code == 302
    assert not Individual.objects.filter(pk=child.pk).exists()
    event = case.events.get(kind=EventKind.MEMBER_REMOVED)
    assert event.reason == "Married and left the household"


def test_the_principal_applicant_cannot_be_removed(client, caseworker):
    case = CaseFactory()
    principal = case.members.get()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:member_remove", args=[case.pk, principal.pk]), {"reason": "Moved away"}
    )

    assert response.status_code == 400
    assert "principal applicant cannot be removed" in response.content.decode()
    assert Individual.objects.filter(pk=principal.pk).exists()


def test_a_caseworker_records_a_travel_document(client, caseworker):
    case = CaseFactory()
    person = case.members.get()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:document_add", args=[case.pk, person.pk]), document_data()
    )

    assert response.status_code == 302
    document = person.documents.get()
    assert document.number == "PA1234567"
    assert case.events.get().kind == EventKind.DOCUMENT_ADDED
    assert "PA1234567" in client.get(case.get_absolute_url()).content.decode()


def test_a_document_expiring_before_its_issue_is_refused_in_place(client, caseworker):
    case = CaseFactory()
    person = case.members.get()
    client.force_login(caseworker)

    response = client.post(
        reverse("cases:document_add", args=[case.pk, person.pk]),
        document_data(expires_on="2020-01-01"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"]
    assert not TravelDocument.objects.exists()


def test_read_only_roles_see_no_edit_links(client, manager, caseworker):
    case = CaseFactory()
    client.force_login(manager)
    as_manager = client.get(case.get_absolute_url()).content.decode()
    client.force_login(caseworker)
    as_caseworker = client.get(case.get_absolute_url()).content.decode()

    edit_url = reverse("cases:edit", args=[case.pk])
    assert edit_url not in as_manager
    assert edit_url in as_caseworker


@pytest.mark.parametrize("role_fixture", [*READ_ONLY_ROLES, "partner"])
def test_read_only_roles_cannot_edit_household_data_and_nothing_changes(
    client, db, request, role_fixture
):
    case = CaseFactory(members=1)
    child = case.members.get(relationship=Relationship.CHILD)
    client.force_login(request.getfixturevalue(role_fixture))
    before = (case.urgency, child.given_name, case.members.count())

    pages = [
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:member_add", args=[case.pk]),
        reverse("cases:member_edit", args=[case.pk, child.pk]),
        reverse("cases:document_add", args=[case.pk, child.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 403
    posts = [
        (pages[0], case_form_data(case, urgency=Urgency.EMERGENCY)),
        (pages[1], member_form_data(child, given_name="Extra", unhcr_individual_number="")),
        (pages[2], member_form_data(child, given_name="Changed")),
        (pages[3], document_data()),
        (reverse("cases:member_remove", args=[case.pk, child.pk]), {"reason": "left"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403

    case.refresh_from_db()
    child.refresh_from_db()
    assert (case.urgency, child.given_name, case.members.count()) == before
    assert not TravelDocument.objects.exists()
    assert not CaseEvent.objects.filter(case=case).exists()


def test_an_administrator_may_edit_household_data(client, administrator):
    case = CaseFactory()
    client.force_login(administrator)

    assert client.get(reverse("cases:edit", args=[case.pk])).status_code == 200
    response = client.post(
        reverse("cases:edit", args=[case.pk]), case_form_data(case, notes="Checked by admin")
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.notes == "Checked by admin"
