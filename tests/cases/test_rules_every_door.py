"""Each rule of a referral, through every door: the intake page, the API and the service give the
same answer (refused naming the same fields, or accepted and stored the same way)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.choices import Relationship, Sex, Urgency
from cases.models import (
    Case,
    CaseEvent,
    Country,
    Individual,
    Location,
    MovementType,
    PartnerProfile,
    Programme,
    SubmissionCategory,
)
from cases.services import PossibleDuplicates, case_create, case_update
from core.errors import ApplicationError, DuplicateRecord
from core.roles import Role
from tests.api_clients import bearer_client, session_client
from tests.factories import CaseFactory, IndividualFactory, user_with_role

pytestmark = pytest.mark.django_db

DOORS = ["page", "api", "service"]
TOMORROW = "tomorrow"


def _day(value):
    if value == TOMORROW:
        return timezone.localdate() + datetime.timedelta(days=1)
    return datetime.date.fromisoformat(value)


def household(**case):
    """A referral in plain values, turned into each door's own input below."""
    values = {
        "unhcr_case_number": "RWA-26-400001",
        "referral_date": "2026-06-01",
        "destination_country": "USA",
        "programme": "USRAP",
        "members": [
            {
                "given_name": "Amani",
                "family_name": "Habimana",
                "sex": Sex.MALE,
                "date_of_birth": "1985-04-02",
                "relationship": Relationship.PRINCIPAL_APPLICANT,
                "unhcr_individual_number": "RWA-I-4000001",
            },
            {
                "given_name": "Neema",
                "family_name": "Habimana",
                "sex": Sex.FEMALE,
                "date_of_birth": "2015-09-10",
                "relationship": Relationship.CHILD,
                "unhcr_individual_number": "",
            },
        ],
    }
    values.update(case)
    return values


def _page_data(values, acknowledged=()):
    data = {
        "unhcr_case_number": values["unhcr_case_number"],
        "referral_date": _day(values["referral_date"]).isoformat(),
        "location": Location.objects.get(name="Mahama").pk,
        "destination_country": Country.objects.get(iso_code=values["destination_country"]).pk,
        "programme": Programme.objects.get(code=values["programme"]).pk,
        "movement_type": MovementType.objects.get(code="refugee_resettlement").pk,
        "submission_category": SubmissionCategory.objects.get(code="LPN").pk,
        "urgency": Urgency.NORMAL,
        "caseworker": "",
        "notes": "",
        "members-TOTAL_FORMS": str(len(values["members"])),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30",
    }
    cod = Country.objects.get(iso_code="COD").pk
    for index, person in enumerate(values["members"]):
        person = {**person, "date_of_birth": _day(person["date_of_birth"]).isoformat()}
        for name, value in {**person, "nationality": cod, "languages": ""}.items():
            data[f"members-{index}-{name}"] = value
    if acknowledged:
        data["save_anyway"] = "1"
        data["acknowledged_duplicate"] = [str(pk) for pk in acknowledged]
    return data


def _api_body(values, acknowledged=()):
    body = {
        "unhcr_case_number": values["unhcr_case_number"],
        "referral_date": _day(values["referral_date"]).isoformat(),
        "location": Location.objects.get(name="Mahama").pk,
        "destination_country": values["destination_country"],
        "programme": values["programme"],
        "movement_type": "refugee_resettlement",
        "submission_category": "LPN",
        "members": [
            {
                **person,
                "date_of_birth": _day(person["date_of_birth"]).isoformat(),
                "nationality": "COD",
            }
            for person in values["members"]
        ],
    }
    if acknowledged:
        body["acknowledged_duplicates"] = list(acknowledged)
    return body


def _service_fields(values):
    return {
        "unhcr_case_number": values["unhcr_case_number"],
        "referral_date": _day(values["referral_date"]),
        "location": Location.objects.get(name="Mahama"),
        "destination_country": Country.objects.get(iso_code=values["destination_country"]),
        "programme": Programme.objects.get(code=values["programme"]),
        "movement_type": MovementType.objects.get(code="refugee_resettlement"),
        "submission_category": SubmissionCategory.objects.get(code="LPN"),
    }


def _service_members(values):
    cod = Country.objects.get(iso_code="COD")
    return [
        {**person, "date_of_birth": _day(person["date_of_birth"]), "nationality": cod}
        for person in values["members"]
    ]


def take_in(door, user, values, acknowledged=()) -> dict:
    """Send the referral through `door`; returns {"saved": bool, "fields": {path, ...},
    "code": str, "existing": id or None}."""
    if door == "page":
        response = session_client(user).post(
            reverse("cases:create"), _page_data(values, acknowledged)
        )
        if response.status_code == 302:
            return {"saved": True, "fields": set(), "code": "", "existing": None}
        if response.status_code == 403:
            return {"saved": False, "fields": set(), "code": "permission_denied", "existing": None}
        fields = {n for n in response.context["form"].errors if n != "__all__"}
        members = response.context["members"]
        for index, form in enumerate(members.forms):
            fields |= {f"members[{index}].{n}" for n in form.errors if n != "__all__"}
        if members.non_form_errors():
            fields.add("members")
        duplicates = response.context.get("duplicates") or []
        return {
            "saved": False,
            "fields": fields,
            "code": "possible_duplicate" if duplicates else "",
            "existing": duplicates[0]["existing"].pk if duplicates else None,
            "page": response.content.decode(),
        }
    if door == "api":
        response = bearer_client(user, "cases:read cases:write").post(
            "/api/v1/cases/", _api_body(values, acknowledged), format="json"
        )
        if response.status_code == 201:
            return {"saved": True, "fields": set(), "code": "", "existing": None}
        error = response.json()["error"]
        existing = error.get("existing") or (error.get("duplicates") or [{}])[0].get("existing")
        return {
            "saved": False,
            "fields": set(error.get("fields", {})) - {"non_field"},
            "code": error["code"],
            "existing": existing["id"] if existing else None,
            "status": response.status_code,
        }
    try:
        case_create(
            actor=user,
            members=_service_members(values),
            acknowledged_duplicates=acknowledged,
            **_service_fields(values),
        )
    except PossibleDuplicates as refusal:
        return {
            "saved": False,
            "fields": {"acknowledged_duplicates"},
            "code": refusal.code,
            "existing": refusal.matches[0]["existing"].pk,
        }
    except ApplicationError as refusal:
        return {
            "saved": False,
            "fields": set(refusal.field_errors) - {"non_field"},
            "code": refusal.code,
            "existing": getattr(refusal, "existing", {}).get("id"),
        }
    return {"saved": True, "fields": set(), "code": "", "existing": None}


def _partner(country=None):
    partner = user_with_role(Role.PARTNER_SYSTEM, username="unhcr_system")
    if country:
        PartnerProfile.objects.create(
            user=partner, organisation="Mission", country=Country.objects.get(iso_code=country)
        )
    return partner


def _writer(door, caseworker):
    """Who sends the referral: a caseworker in the browser and the service, UNHCR's system
    through the API."""
    return _partner() if door == "api" else caseworker


def _nothing_saved():
    assert not Case.objects.filter(unhcr_case_number__iexact="RWA-26-400001").exists()
    assert not Individual.objects.filter(given_name="Amani").exists()


# --- UNHCR numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_unhcr_numbers_are_stored_stripped_and_upper_case(door, caseworker):
    values = household(unhcr_case_number="  rwa-26-400001 ")
    values["members"][0]["unhcr_individual_number"] = " rwa-i-4000001"

    assert take_in(door, _writer(door, caseworker), values)["saved"]

    case = Case.objects.get()
    assert case.unhcr_case_number == "RWA-26-400001"
    assert case.members.get(given_name="Amani").unhcr_individual_number == "RWA-I-4000001"
    assert case.members.get(given_name="Neema").unhcr_individual_number is None


@pytest.mark.parametrize("door", DOORS)
def test_a_case_number_differing_only_in_case_and_spaces_is_refused_naming_the_case(
    door, caseworker
):
    existing = CaseFactory(unhcr_case_number="RWA-26-400001")
    events = CaseEvent.objects.count()

    answer = take_in(door, _writer(door, caseworker), household(unhcr_case_number=" rwa-26-400001"))

    assert not answer["saved"]
    assert "unhcr_case_number" in answer["fields"]
    if door != "page":
        assert (answer["code"], answer["existing"]) == ("duplicate", existing.pk)
    else:
        assert existing.case_number in answer["page"]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize("door", DOORS)
def test_an_individual_number_differing_only_in_case_is_refused_naming_its_holder(door, caseworker):
    holder = IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        unhcr_individual_number="RWA-I-4000001",
    )
    values = household()
    values["members"][0]["unhcr_individual_number"] = "rwa-i-4000001 "

    answer = take_in(door, _writer(door, caseworker), values)

    assert not answer["saved"]
    assert answer["fields"] == {"members[0].unhcr_individual_number"}
    if door != "page":
        assert (answer["code"], answer["existing"]) == ("duplicate", holder.pk)
    else:
        assert holder.case.case_number in answer["page"]
    _nothing_saved()


def test_the_database_refuses_a_number_that_is_not_normalised():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(unhcr_case_number="rwa-26-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Individual.objects.filter(case=case).update(unhcr_individual_number=" RWA-I-1")


def test_a_case_number_changed_to_another_cases_number_is_refused_naming_it(caseworker):
    existing = CaseFactory(unhcr_case_number="RWA-26-400009")
    case = CaseFactory()
    with pytest.raises(DuplicateRecord) as refused:
        case_update(actor=caseworker, case=case, unhcr_case_number="rwa-26-400009")
    assert refused.value.existing["id"] == existing.pk
    case.refresh_from_db()
    assert case.unhcr_case_number != "RWA-26-400009"


# --- dates, programme, principal applicant ----------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_a_referral_date_in_the_future_is_refused(door, caseworker):
    answer = take_in(door, _writer(door, caseworker), household(referral_date=TOMORROW))
    assert not answer["saved"]
    assert answer["fields"] == {"referral_date"}
    _nothing_saved()


@pytest.mark.parametrize("door", DOORS)
def test_a_birth_date_in_the_future_is_refused_on_that_member(door, caseworker):
    values = household()
    values["members"][1]["date_of_birth"] = TOMORROW
    answer = take_in(door, _writer(door, caseworker), values)
    assert not answer["saved"]
    assert answer["fields"] == {"members[1].date_of_birth"}
    _nothing_saved()


@pytest.mark.parametrize("door", DOORS)
def test_a_programme_of_another_country_is_refused(door, caseworker):
    answer = take_in(door, _writer(door, caseworker), household(programme="CA-GAR"))
    assert not answer["saved"]
    assert answer["fields"] == {"programme"}
    _nothing_saved()


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("principals", [0, 2])
def test_exactly_one_principal_is_reported_together_with_the_other_errors(
    door, principals, caseworker
):
    values = household(referral_date=TOMORROW)
    values["members"][1]["relationship"] = (
        Relationship.PRINCIPAL_APPLICANT if principals == 2 else Relationship.CHILD
    )
    if principals == 0:
        values["members"][0]["relationship"] = Relationship.SPOUSE
    values["members"][1]["date_of_birth"] = TOMORROW

    answer = take_in(door, _writer(door, caseworker), values)

    assert not answer["saved"]
    assert answer["fields"] == {"referral_date", "members", "members[1].date_of_birth"}
    _nothing_saved()


# --- possible duplicates ----------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_a_member_like_someone_recorded_is_held_back_until_acknowledged(door, caseworker):
    existing = IndividualFactory(
        case=CaseFactory(principal=False),
        relationship=Relationship.PRINCIPAL_APPLICANT,
        given_name="Néema",
        family_name="HABIMANA",
        date_of_birth=datetime.date(2015, 9, 10),
    )
    writer = _writer(door, caseworker)

    first = take_in(door, writer, household())

    assert not first["saved"]
    assert (first["code"], first["existing"]) == ("possible_duplicate", existing.pk)
    _nothing_saved()

    assert take_in(door, writer, household(), acknowledged=[existing.pk])["saved"]
    assert Case.objects.filter(unhcr_case_number="RWA-26-400001").exists()


# --- a partner tied to a destination ----------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_a_partner_tied_to_a_country_may_not_refer_a_case_for_another(door):
    partner = _partner(country="CAN")

    answer = take_in(door, partner, household())

    assert not answer["saved"]
    assert answer["code"] == "permission_denied"
    if door == "api":
        assert answer["status"] == 403
    _nothing_saved()


@pytest.mark.parametrize("door", ["api", "service"])
def test_a_partner_tied_to_a_country_may_refer_a_case_for_it(door):
    assert take_in(door, _partner(country="USA"), household())["saved"]
    assert Case.objects.get().destination_country.iso_code == "USA"


@pytest.mark.parametrize("door", ["api", "service"])
def test_a_partner_tied_to_a_country_may_not_send_its_case_elsewhere(door):
    partner = _partner(country="CAN")
    case = CaseFactory(
        destination_country=Country.objects.get(iso_code="CAN"),
        programme=Programme.objects.get(code="CA-GAR"),
    )
    if door == "api":
        response = bearer_client(partner, "cases:read cases:write").patch(
            f"/api/v1/cases/{case.pk}/",
            {"destination_country": "USA", "programme": "USRAP"},
            format="json",
        )
        assert response.status_code == 403
        assert response.json()["error"]["field"] == "destination_country"
    else:
        with pytest.raises(ApplicationError) as refused:
            case_update(
                actor=partner,
                case=case,
                destination_country=Country.objects.get(iso_code="USA"),
                programme=Programme.objects.get(code="USRAP"),
            )
        assert (refused.value.status_code, refused.value.field) == (403, "destination_country")
    case.refresh_from_db()
    assert case.destination_country.iso_code == "CAN"


@pytest.mark.parametrize("door", DOORS)
def test_an_edit_to_another_cases_number_in_other_letters_is_refused_naming_it(door, caseworker):
    existing = CaseFactory(unhcr_case_number="RWA-26-400009")
    case = CaseFactory()
    if door == "page":
        from django.forms.models import model_to_dict

        data = {k: v for k, v in model_to_dict(case).items() if v is not None}
        data["unhcr_case_number"] = " rwa-26-400009"
        response = session_client(caseworker).post(reverse("cases:edit", args=[case.pk]), data)
        assert response.status_code == 400
        message = " ".join(response.context["form"].errors["unhcr_case_number"])
        assert existing.case_number in message
    elif door == "api":
        response = session_client(caseworker).patch(
            f"/api/v1/cases/{case.pk}/", {"unhcr_case_number": " rwa-26-400009"}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["error"]["existing"]["id"] == existing.pk
    else:
        with pytest.raises(DuplicateRecord) as refused:
            case_update(actor=caseworker, case=case, unhcr_case_number=" rwa-26-400009")
        assert refused.value.existing["id"] == existing.pk
    case.refresh_from_db()
    assert case.unhcr_case_number != "RWA-26-400009"
