import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, EventKind, Relationship
from cases.models import Case, CaseEvent, Individual, Location
from core.roles import Role
from tests.api.conftest import snapshot
from tests.factories import (
    CaseFactory,
    IndividualFactory,
    InterviewFactory,
    TravelDocumentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def referral(**overrides):
    body = {
        "unhcr_case_number": "RWA-24-900001",
        "location": Location.objects.get(name="Kiziba").pk,
        "destination_country": "USA",
        "programme": "USRAP",
        "movement_type": "refugee_resettlement",
        "submission_category": "LPN",
        "urgency": "urgent",
        "referral_date": "2026-10-01",
        "members": [
            {
                "given_name": "Amani",
                "family_name": "Habimana",
                "sex": "F",
                "date_of_birth": "1988-04-02",
                "nationality": "COD",
                "relationship": "PA",
                "unhcr_individual_number": "RWA-I-9000001",
                "languages": ["Kinyarwanda", "Swahili"],
            },
            {
                "given_name": "Eric",
                "family_name": "Habimana",
                "sex": "M",
                "date_of_birth": "2015-09-12",
                "nationality": "COD",
                "relationship": "CHILD",
                "special_needs": ["wheelchair"],
            },
        ],
    }
    body.update(overrides)
    return body


# --- list -------------------------------------------------------------------------------------


def test_staff_see_the_case_list_with_members(api, manager):
    case = CaseFactory(members=2)
    response = api.as_(manager).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == case.pk
    assert row["case_number"] == case.case_number
    assert row["location"]["name"] == "Mahama"
    assert row["destination_country"]["iso_code"] == "USA"
    assert len(row["members"]) == 3
    assert {m["relationship"] for m in row["members"]} == {"PA", "CHILD"}


def test_case_list_filters_by_camp_and_status_like_the_browser(api, caseworker):
    kiziba = Location.objects.get(name="Kiziba")
    wanted = CaseFactory(location=kiziba)
    CaseFactory(location=kiziba, status=CaseStatus.APPROVED)
    CaseFactory()  # Mahama
    response = api.as_(caseworker).get(URL, {"location": kiziba.pk, "status": "referred"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [wanted.pk]


def test_case_list_searches_names_by_prefix_ignoring_accents(api, caseworker):
    found = CaseFactory(principal__family_name="Ndayishimiyé")
    CaseFactory(principal__family_name="Mugisha")
    response = api.as_(caseworker).get(URL, {"q": "ndayish"})
    assert [r["id"] for r in response.json()["results"]] == [found.pk]


def test_case_list_refuses_an_unknown_status_naming_the_filter(api, caseworker):
    response = api.as_(caseworker).get(URL, {"status": "teleported"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"


def test_case_list_refuses_a_page_size_above_the_bound(api, caseworker):
    response = api.as_(caseworker).get(URL, {"page_size": 201})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "page_size"
    assert api.get(URL, {"page_size": 200}).status_code == 200
    assert api.get(URL, {"page_size": "lots"}).status_code == 400


def test_a_page_past_the_end_is_not_found(api, caseworker):
    CaseFactory()
    response = api.as_(caseworker).get(URL, {"page": 9})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_callers_are_refused_with_401(api):
    CaseFactory()
    response = api.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_user_without_a_role_is_refused(api):
    CaseFactory()
    nobody = UserFactory()
    response = api.as_(nobody).get(URL)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "role",
    [
        Role.CASEWORKER,
        Role.CLINICIAN,
        Role.ORIENTATION_FACILITATOR,
        Role.MOVEMENT_OFFICER,
        Role.MANAGER,
        Role.ADMINISTRATOR,
    ],
)
def test_every_staff_role_reads_cases(api, all_roles, role):
    case = CaseFactory()
    assert api.as_(all_roles[role]).get(f"{URL}{case.pk}/").status_code == 200


# --- detail -----------------------------------------------------------------------------------


def test_case_detail_shows_members_and_their_documents(api, caseworker):
    case = CaseFactory()
    TravelDocumentFactory(individual=case.principal, number="TD-42")
    response = api.as_(caseworker).get(f"{URL}{case.pk}/")
    assert response.status_code == 200
    (member,) = response.json()["members"]
    assert member["documents"][0]["number"] == "TD-42"
    assert member["documents"][0]["issuing_country"] == "RWA"


@pytest.mark.parametrize("pk", [999999, 2**63, 10**30])
def test_an_unknown_case_is_404_with_the_error_body(api, caseworker, pk):
    response = api.as_(caseworker).get(f"{URL}{pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- create -----------------------------------------------------------------------------------


def test_a_caseworker_takes_in_a_referral_with_its_members(api, caseworker):
    response = api.as_(caseworker).post(URL, referral(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["case_number"].startswith("RW-")
    assert case.status == CaseStatus.REFERRED
    assert case.members.count() == 2
    assert case.principal.given_name == "Amani"
    assert case.events.filter(kind=EventKind.CREATED, actor=caseworker).exists()


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.ORIENTATION_FACILITATOR, Role.MOVEMENT_OFFICER, Role.MANAGER]
)
def test_other_roles_cannot_take_in_a_referral(api, all_roles, role):
    before = snapshot()
    response = api.as_(all_roles[role]).post(URL, referral(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot() == before


def test_an_administrator_takes_in_a_referral(api, administrator):
    assert api.as_(administrator).post(URL, referral(), format="json").status_code == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "approved"),
        ("case_number", "RW-0000001"),
        ("id", 5),
        ("created_at", "2026-01-01T00:00:00Z"),
        ("colour", "blue"),
    ],
)
def test_read_only_or_unknown_fields_are_refused_naming_them(api, caseworker, field, value):
    before = snapshot()
    response = api.as_(caseworker).post(URL, referral(**{field: value}), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert field in error["fields"]
    assert snapshot() == before


def test_an_unknown_field_of_a_member_is_refused_naming_it(api, caseworker):
    body = referral()
    body["members"][1]["status"] = "arrived"
    response = api.as_(caseworker).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "members[1].status"
    assert not Case.objects.exists()


def test_wrong_types_are_refused_naming_the_field(api, caseworker):
    body = referral(referral_date="yesterday", location=["Kiziba"])
    body["members"][0]["date_of_birth"] = 1988
    response = api.as_(caseworker).post(URL, body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"referral_date", "location", "members[0].date_of_birth"} <= set(fields)
    assert not Case.objects.exists()


def test_camps_countries_and_programmes_are_taken_by_code_or_name(api, caseworker):
    """As in a referral file (partners.intake): the camp by name or id, the rest by code or
    name, any case; an unknown one refused in words naming the field."""
    body = referral(location="kiziba", destination_country="United States", programme="usrap")
    body["members"][0]["nationality"] = "cod"
    response = api.as_(caseworker).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.location.name, case.destination_country.iso_code) == ("Kiziba", "USA")
    unknown = api.as_(caseworker).post(
        URL, referral(unhcr_case_number="RWA-24-900002", location="Atlantis"), format="json"
    )
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["field"] == "location"
    assert "Atlantis" in error["message"] and "Incorrect type" not in error["message"]
    assert Case.objects.count() == 1


def test_malformed_json_is_refused(api, caseworker):
    response = api.as_(caseworker).post(
        URL, data='{"unhcr_case_number": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_body_that_is_not_json_is_refused(api, caseworker):
    response = api.as_(caseworker).post(URL, {"unhcr_case_number": "x"})  # multipart
    assert response.status_code == 415
    assert not Case.objects.exists()


def test_a_case_without_exactly_one_principal_is_refused_and_nothing_written(api, caseworker):
    body = referral()
    body["members"][1]["relationship"] = "PA"
    response = api.as_(caseworker).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "members"
    assert not Case.objects.exists()
    assert not Individual.objects.exists()


def test_a_birth_date_in_the_future_is_refused_naming_the_member(api, caseworker):
    body = referral()
    body["members"][1]["date_of_birth"] = (
        timezone.localdate() + datetime.timedelta(days=3)
    ).isoformat()
    response = api.as_(caseworker).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "members[1].date_of_birth"
    assert not Case.objects.exists()


def test_a_duplicate_unhcr_case_number_is_refused_naming_the_case(api, caseworker):
    existing = CaseFactory(unhcr_case_number="RWA-24-900001")
    before = snapshot()
    response = api.as_(caseworker).post(URL, referral(), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("duplicate", "unhcr_case_number")
    assert error["existing"]["id"] == existing.pk
    assert error["existing"]["api_url"] == f"/api/v1/cases/{existing.pk}/"
    assert snapshot() == before


def test_a_session_write_without_csrf_token_is_refused(caseworker):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.post(URL, referral(), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Case.objects.exists()


# --- update -----------------------------------------------------------------------------------


def test_a_caseworker_changes_household_fields_and_the_timeline_says_which(api, caseworker):
    case = CaseFactory()
    response = api.as_(caseworker).patch(
        f"{URL}{case.pk}/", {"urgency": "emergency", "notes": "Medical needs"}, format="json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.urgency == "emergency"
    event = case.events.get(kind=EventKind.UPDATED)
    assert sorted(event.data["fields"]) == ["notes", "urgency"]
    assert event.actor == caseworker


@pytest.mark.parametrize("field", ["status", "case_number", "resume_status", "members"])
def test_patching_a_read_only_field_is_refused_and_nothing_changes(api, caseworker, field):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(caseworker).patch(
        f"{URL}{case.pk}/", {field: "closed", "notes": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert snapshot() == before


def test_a_manager_cannot_change_a_case(api, manager):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(manager).patch(f"{URL}{case.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_a_programme_of_another_country_is_refused(api, caseworker):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(caseworker).patch(f"{URL}{case.pk}/", {"programme": "CA-GAR"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "programme"
    assert snapshot() == before


# --- members ----------------------------------------------------------------------------------


def test_a_caseworker_adds_a_member(api, caseworker):
    case = CaseFactory()
    response = api.as_(caseworker).post(
        f"{URL}{case.pk}/members/",
        {
            "given_name": "Grace",
            "family_name": "Uwase",
            "sex": "F",
            "date_of_birth": "2019-02-01",
            "nationality": "RWA",
            "relationship": "GRANDCHILD",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert case.members.filter(given_name="Grace", nationality__iso_code="RWA").exists()
    assert case.events.filter(kind=EventKind.MEMBER_ADDED).exists()


def test_a_second_principal_applicant_is_refused(api, caseworker):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(caseworker).post(
        f"{URL}{case.pk}/members/",
        {
            "given_name": "Grace",
            "family_name": "Uwase",
            "sex": "F",
            "date_of_birth": "1990-02-01",
            "nationality": "RWA",
            "relationship": "PA",
        },
        format="json",
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_a_caseworker_corrects_a_members_name(api, caseworker):
    case = CaseFactory(members=1)
    child = case.members.get(relationship=Relationship.CHILD)
    response = api.as_(caseworker).patch(
        f"{URL}{case.pk}/members/{child.pk}/", {"given_name": "Jean-Paul"}, format="json"
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.given_name == "Jean-Paul"
    assert case.events.get(kind=EventKind.MEMBER_UPDATED).data["fields"] == ["given_name"]


def test_a_member_of_another_case_is_not_found_through_this_case(api, caseworker):
    case = CaseFactory()
    stranger = IndividualFactory(case=CaseFactory())
    before = snapshot()
    response = api.as_(caseworker).patch(
        f"{URL}{case.pk}/members/{stranger.pk}/", {"given_name": "X"}, format="json"
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_a_clinician_cannot_change_a_member(api, clinician):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(clinician).patch(
        f"{URL}{case.pk}/members/{case.principal.pk}/", {"given_name": "X"}, format="json"
    )
    assert response.status_code == 403
    assert snapshot() == before


# --- workflow ---------------------------------------------------------------------------------


def test_a_caseworker_takes_a_step_and_the_timeline_records_it(api, caseworker):
    case = CaseFactory()
    response = api.as_(caseworker).post(
        f"{URL}{case.pk}/transitions/",
        {"transition": "start_pre_screening", "expected_status": "referred"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pre_screening"
    event = CaseEvent.objects.get(case=case, kind=EventKind.STATUS_CHANGED)
    assert (event.from_status, event.to_status, event.actor) == (
        "referred",
        "pre_screening",
        caseworker,
    )


def test_a_refused_step_answers_409_with_the_failing_guard(api, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    before = snapshot()
    response = api.as_(caseworker).post(
        f"{URL}{case.pk}/transitions/", {"transition": "approve"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["transition"] == "approve"
    assert "interview" in error["reasons"][0]
    assert snapshot() == before


def test_a_step_on_a_case_that_moved_meanwhile_is_refused(api, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    before = snapshot()
    response = api.as_(caseworker).post(
        f"{URL}{case.pk}/transitions/",
        {"transition": "deny", "reason": "x", "expected_status": "referred"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    assert snapshot() == before


def test_a_step_the_role_may_not_take_is_403(api, facilitator):
    case = CaseFactory()
    before = snapshot()
    response = api.as_(facilitator).post(
        f"{URL}{case.pk}/transitions/", {"transition": "start_pre_screening"}, format="json"
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_an_unknown_step_or_bad_context_is_400_naming_the_field(api, caseworker):
    case = CaseFactory()
    client = api.as_(caseworker)
    response = client.post(f"{URL}{case.pk}/transitions/", {"transition": "fly"}, format="json")
    assert response.json()["error"]["field"] == "transition"
    response = client.post(
        f"{URL}{case.pk}/transitions/",
        {"transition": "hold", "reason": "x", "context": {"departure_date": "soon"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "context.departure_date"
    response = client.post(
        f"{URL}{case.pk}/transitions/",
        {"transition": "hold", "reason": "x", "context": {"flight": "ET 811"}},
        format="json",
    )
    assert response.json()["error"]["field"] == "context.flight"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRED


def test_the_step_options_say_what_blocks_each_step(api, caseworker):
    case = CaseFactory(status=CaseStatus.PRE_SCREENING)
    response = api.as_(caseworker).get(f"{URL}{case.pk}/transitions/")
    assert response.status_code == 200
    options = {o["name"]: o for o in response.json()}
    assert options["approve"]["allowed"] is False
    assert "interview" in options["approve"]["reasons"][0]
    assert options["hold"]["reason_required"] is True
    InterviewFactory(case=case, outcome="completed")
    options = {o["name"]: o for o in api.get(f"{URL}{case.pk}/transitions/").json()}
    assert options["approve"]["allowed"] is True


def test_the_timeline_lists_changes_newest_first(api, caseworker):
    case = CaseFactory()
    client = api.as_(caseworker)
    client.patch(f"{URL}{case.pk}/", {"notes": "first"}, format="json")
    client.post(
        f"{URL}{case.pk}/transitions/", {"transition": "hold", "reason": "Ill"}, format="json"
    )
    response = client.get(f"{URL}{case.pk}/timeline/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["kind"] for e in results] == ["status_changed", "updated"]
    assert results[0]["reason"] == "Ill"
    assert results[0]["actor"] == "caseworker"


# --- individuals and reference data ------------------------------------------------------------


def test_individuals_are_found_by_name_prefix_and_unhcr_number(api, caseworker):
    case = CaseFactory(principal__given_name="Élodie", principal__unhcr_individual_number="X-77")
    IndividualFactory(case=case, given_name="Patrick", unhcr_individual_number="Y-1")
    client = api.as_(caseworker)
    by_name = client.get("/api/v1/individuals/", {"q": "elo"}).json()["results"]
    assert [p["given_name"] for p in by_name] == ["Élodie"]
    assert by_name[0]["case"]["id"] == case.pk
    by_number = client.get("/api/v1/individuals/", {"unhcr_individual_number": "x-7"}).json()
    assert [p["given_name"] for p in by_number["results"]] == ["Élodie"]
    detail = client.get(f"/api/v1/individuals/{case.principal.pk}/")
    assert detail.status_code == 200
    assert detail.json()["case"]["case_number"] == Case.objects.get(pk=case.pk).case_number


def test_reference_data_is_listed(api, partner):
    client = api.as_(partner)
    countries = client.get("/api/v1/countries/", {"is_destination": "true"}).json()["results"]
    assert "USA" in {c["iso_code"] for c in countries}
    assert "COD" not in {c["iso_code"] for c in countries}
    programmes = client.get("/api/v1/programmes/").json()["results"]
    assert {"code": "USRAP", "country": "USA"}.items() <= next(
        p for p in programmes if p["code"] == "USRAP"
    ).items()
    locations = client.get("/api/v1/locations/", {"page_size": 200}).json()["results"]
    assert "Mahama" in {loc["name"] for loc in locations}


def test_the_hand_written_list_row_says_exactly_what_the_generic_serializer_says(caseworker):
    from cases.selectors import case_list
    from cases.serializers import CaseListOut, CaseRowOut

    case = CaseFactory(members=2, caseworker=caseworker)
    CaseFactory(members=0)
    rows = list(case_list(user=caseworker))
    assert [CaseRowOut(c).data for c in rows] == [CaseListOut(c).data for c in rows]
    assert any(row["caseworker"] == caseworker.username for row in CaseRowOut(rows, many=True).data)
    assert case.pk in {c.pk for c in rows}
