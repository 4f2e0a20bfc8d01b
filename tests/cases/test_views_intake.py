"""Intake in the browser: the case and all its members in one form, all or nothing, and a
warning about possible duplicates before anything is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import EventKind, Relationship, Sex, Urgency
from cases.models import (
    Case,
    Country,
    Individual,
    Location,
    MovementType,
    Programme,
    SubmissionCategory,
)
from core.errors import ApplicationError
from tests.factories import CaseFactory, IndividualFactory

CREATE = reverse("cases:create")


def member(**overrides):
    values = {
        "given_name": "Amani",
        "family_name": "Habimana",
        "sex": Sex.MALE,
        "date_of_birth": "1985-04-02",
        "nationality": Country.objects.get(iso_code="COD").pk,
        "relationship": Relationship.PRINCIPAL_APPLICANT,
        "unhcr_individual_number": "",
        "languages": "Kinyarwanda, Swahili",
    }
    values.update(overrides)
    return values


def intake(members, **case_overrides):
    usa = Country.objects.get(iso_code="USA")
    data = {
        "unhcr_case_number": "RWA-24-500001",
        "referral_date": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        "location": Location.objects.get(name="Mahama").pk,
        "destination_country": usa.pk,
        "programme": Programme.objects.get(code="USRAP").pk,
        "movement_type": MovementType.objects.get(code="refugee_resettlement").pk,
        "submission_category": SubmissionCategory.objects.get(code="LPN").pk,
        "urgency": Urgency.NORMAL,
        "caseworker": "",
        "notes": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30",
    }
    data.update(case_overrides)
    for index, values in enumerate(members):
        for name, value in values.items():
            if isinstance(value, list):
                data[f"members-{index}-{name}"] = value
            else:
                data[f"members-{index}-{name}"] = value
    return data


def two_members(**second):
    return [
        member(),
        member(
            given_name="Neema",
            sex=Sex.FEMALE,
            date_of_birth="2015-09-10",
            relationship=Relationship.CHILD,
            special_needs=["wheelchair"],
            **second,
        ),
    ]


def test_the_intake_form_starts_with_the_principal_applicant(client, caseworker):
    client.force_login(caseworker)

    response = client.get(CREATE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<legend>Member 1</legend>" in page
    assert '<option value="PA" selected>' in page
    assert 'name="members-TOTAL_FORMS" value="1"' in page


def test_a_caseworker_takes_in_a_case_with_its_members(client, caseworker):
    client.force_login(caseworker)

    response = client.post(CREATE, intake(two_members(), caseworker=caseworker.pk))

    case = Case.objects.get(unhcr_case_number="RWA-24-500001")
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    people = {p.given_name: p for p in case.members.all()}
    assert set(people) == {"Amani", "Neema"}
    assert people["Amani"].relationship == Relationship.PRINCIPAL_APPLICANT
    assert people["Amani"].languages == ["Kinyarwanda", "Swahili"]
    assert people["Neema"].special_needs == ["wheelchair"]
    assert case.caseworker == caseworker
    assert case.events.get().kind == EventKind.CREATED


def test_add_another_member_keeps_what_was_typed_and_saves_nothing(client, caseworker):
    client.force_login(caseworker)
    data = intake([member(given_name="Gloire")])
    data["add_member"] = "1"

    response = client.post(CREATE, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Gloire"' in page
    assert "<legend>Member 2</legend>" in page
    assert 'name="members-TOTAL_FORMS" value="2"' in page
    assert "errorlist" not in page
    assert not Case.objects.exists()


def test_an_empty_extra_member_row_is_left_out(client, caseworker):
    client.force_login(caseworker)
    blank = {
        "given_name": "",
        "family_name": "",
        "sex": "",
        "date_of_birth": "",
        "nationality": "",
        "relationship": "",
        "unhcr_individual_number": "",
        "languages": "",
    }

    response = client.post(CREATE, intake([member(), blank]))

    assert response.status_code == 302
    assert Individual.objects.count() == 1


def test_a_member_can_be_left_out_before_saving(client, caseworker):
    client.force_login(caseworker)
    members = two_members(DELETE="on")

    client.post(CREATE, intake(members))

    assert list(Individual.objects.values_list("given_name", flat=True)) == ["Amani"]


def _assert_nothing_saved():
    assert not Case.objects.filter(unhcr_case_number="RWA-24-500001").exists()
    assert not Individual.objects.filter(given_name="Amani").exists()


def test_a_duplicate_unhcr_case_number_is_shown_in_place_and_nothing_is_saved(client, caseworker):
    CaseFactory(unhcr_case_number="RWA-24-500001")
    client.force_login(caseworker)

    response = client.post(CREATE, intake(two_members()))

    assert response.status_code == 400
    assert response.context["form"].errors["unhcr_case_number"]
    page = response.content.decode()
    assert 'id="id_unhcr_case_number_error"' in page
    assert 'href="#id_unhcr_case_number"' in page  # the summary links to the field
    assert Individual.objects.filter(given_name="Neema").count() == 0
    assert Case.objects.count() == 1


def test_a_second_principal_applicant_is_refused_and_nothing_is_saved(client, caseworker):
    client.force_login(caseworker)
    members = two_members()
    members[1]["relationship"] = Relationship.PRINCIPAL_APPLICANT

    response = client.post(CREATE, intake(members))

    assert response.status_code == 400
    assert "Only one member can be the principal applicant; 2 are marked so." in (
        response.content.decode()
    )
    _assert_nothing_saved()


def test_a_household_without_a_principal_applicant_is_refused_and_nothing_is_saved(
    client, caseworker
):
    client.force_login(caseworker)
    members = two_members()
    members[0]["relationship"] = Relationship.SPOUSE

    response = client.post(CREATE, intake(members))

    assert response.status_code == 400
    assert "Mark one member as the principal applicant." in response.content.decode()
    _assert_nothing_saved()


def test_a_birth_date_in_the_future_is_shown_on_that_member_and_nothing_is_saved(
    client, caseworker
):
    client.force_login(caseworker)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        CREATE, intake(two_members(), **{}) | {"members-1-date_of_birth": tomorrow.isoformat()}
    )

    assert response.status_code == 400
    second = response.context["members"].forms[1]
    assert second.errors["date_of_birth"] == ["A date of birth cannot be in the future."]
    page = response.content.decode()
    assert 'id="id_members-1-date_of_birth_error"' in page
    assert 'href="#id_members-1-date_of_birth"' in page
    _assert_nothing_saved()


def test_a_refusal_from_the_service_is_shown_in_place(client, caseworker, monkeypatch):
    # Another caseworker may save the same UNHCR number between the check and the save.
    def refuse(**kwargs):
        raise ApplicationError(
            "A person with this UNHCR individual number already exists.",
            field="members[1].unhcr_individual_number",
        )

    monkeypatch.setattr("cases.views.intake.case_create", refuse)
    client.force_login(caseworker)

    response = client.post(CREATE, intake(two_members()))

    second = response.context["members"].forms[1]
    assert second.errors["unhcr_individual_number"] == [
        "A person with this UNHCR individual number already exists."
    ]
    _assert_nothing_saved()


def test_possible_duplicates_are_shown_before_saving(client, caseworker):
    existing = IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        given_name="Néema",
        family_name="HABIMANA",
        date_of_birth=datetime.date(2015, 9, 10),
    )
    client.force_login(caseworker)

    response = client.post(CREATE, intake(two_members()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Possible duplicates" in page
    assert existing.case.unhcr_case_number in page
    assert f'name="acknowledged_duplicate" value="{existing.pk}"' in page
    assert 'name="save_anyway"' in page
    _assert_nothing_saved()


def test_save_anyway_saves_once_the_duplicates_were_shown(client, caseworker):
    existing = IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        given_name="Neema",
        family_name="Habimana",
        date_of_birth=datetime.date(2015, 9, 10),
    )
    client.force_login(caseworker)
    data = intake(two_members())
    data.update({"save_anyway": "1", "acknowledged_duplicate": [str(existing.pk)]})

    response = client.post(CREATE, data)

    assert response.status_code == 302
    assert Case.objects.filter(unhcr_case_number="RWA-24-500001").exists()


def test_save_anyway_without_having_seen_a_duplicate_warns_again(client, caseworker):
    IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        given_name="Neema",
        family_name="Habimana",
        date_of_birth=datetime.date(2015, 9, 10),
    )
    client.force_login(caseworker)
    data = intake(two_members())
    data["save_anyway"] = "1"

    response = client.post(CREATE, data)

    assert "Possible duplicates" in response.content.decode()
    _assert_nothing_saved()


def test_a_member_with_a_known_unhcr_number_is_shown_with_the_case_holding_it(client, caseworker):
    holder = IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        unhcr_individual_number="RWA-I-7770001",
    )
    client.force_login(caseworker)

    response = client.post(CREATE, intake(two_members(unhcr_individual_number="rwa-i-7770001")))

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["members"].forms[1].errors["unhcr_individual_number"]
    assert holder.case.unhcr_case_number in page
    _assert_nothing_saved()


@pytest.mark.parametrize(
    "role_fixture", ["manager", "clinician", "facilitator", "movement_officer", "partner"]
)
def test_only_caseworkers_and_administrators_take_in_referrals(client, db, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, intake(two_members())).status_code == 403
    _assert_nothing_saved()


def test_an_administrator_may_take_in_a_referral(client, administrator):
    client.force_login(administrator)
    assert client.post(CREATE, intake(two_members())).status_code == 302
    assert Case.objects.filter(unhcr_case_number="RWA-24-500001").exists()
