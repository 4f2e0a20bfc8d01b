"""Travel documents written through the API (record, correct, remove): household editors only,
the same service and the same rules as the page."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from cases import services
from cases.choices import DocumentType, EventKind
from cases.models import Country, TravelDocument
from tests.api_clients import bearer_client, session_client
from tests.factories import CaseFactory

EDITORS = ["caseworker", "administrator"]
OTHERS = ["manager", "clinician", "facilitator", "movement_officer", "partner"]


def documents_url(person):
    return f"/api/v1/cases/{person.case_id}/members/{person.pk}/documents/"


def document_url(document):
    person = document.individual
    return f"{documents_url(person)}{document.pk}/"


def body(**changes):
    return {
        "document_type": DocumentType.PASSPORT,
        "number": "pa1234567",
        "issuing_country": "COD",
        "issued_on": "2024-01-10",
        "expires_on": "2034-01-09",
        **changes,
    }


@pytest.fixture
def person(db):
    return CaseFactory().members.get()


@pytest.fixture
def document(caseworker, person):
    return services.travel_document_add(
        actor=caseworker,
        individual=person,
        document_type=DocumentType.PASSPORT,
        number="OP0000001",
        issuing_country=Country.objects.get(iso_code="COD"),
    )


@pytest.mark.parametrize("role", EDITORS)
def test_household_editors_record_a_document_through_the_api(request, role, person):
    response = session_client(request.getfixturevalue(role)).post(
        documents_url(person), body(), format="json"
    )

    assert response.status_code == 201
    assert response.json()["number"] == "PA1234567"
    assert response.json()["issuing_country"] == "COD"
    assert person.documents.get().number == "PA1234567"
    assert person.case.events.get().kind == EventKind.DOCUMENT_ADDED


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_may_not_write_documents_and_nothing_changes(request, role, document):
    client = session_client(request.getfixturevalue(role))
    person = document.individual

    assert client.post(documents_url(person), body(), format="json").status_code == 403
    assert client.patch(document_url(document), {"number": "X1"}, format="json").status_code == 403
    assert client.delete(document_url(document) + "?reason=x").status_code == 403
    assert list(TravelDocument.objects.values_list("number", flat=True)) == ["OP0000001"]


def test_a_partner_token_with_cases_write_may_not_write_documents(partner, person):
    response = bearer_client(partner, "cases:read cases:write").post(
        documents_url(person), body(), format="json"
    )

    assert response.status_code == 403
    assert not TravelDocument.objects.exists()


def test_staff_read_a_document(manager, document):
    response = session_client(manager).get(document_url(document))

    assert response.status_code == 200
    assert response.json()["number"] == "OP0000001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"issued_on": "2999-01-01", "expires_on": "3009-01-01"}, "issued_on"),
        ({"issuing_country": "XXX"}, "issuing_country"),
        ({"document_type": "library_card"}, "document_type"),
        ({"id": 5}, "id"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(caseworker, person, changes, field):
    response = session_client(caseworker).post(
        documents_url(person), body(**changes), format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not TravelDocument.objects.exists()


def test_the_page_and_the_api_refuse_the_same_dates_with_the_same_words(client, caseworker, person):
    client.force_login(caseworker)
    page = client.post(
        reverse("cases:document_add", args=[person.case_id, person.pk]),
        {
            "document_type": DocumentType.PASSPORT,
            "number": "pa1234567",
            "issuing_country": Country.objects.get(iso_code="COD").pk,
            "issued_on": "2024-01-10",
            "expires_on": "2020-01-01",
        },
    )
    api = session_client(caseworker).post(
        documents_url(person), body(expires_on="2020-01-01"), format="json"
    )

    assert page.status_code == api.status_code == 400
    assert page.context["form"].errors["expires_on"] == [api.json()["error"]["message"]]
    assert not TravelDocument.objects.exists()


def test_a_document_recorded_twice_is_recognised(caseworker, document):
    other = CaseFactory().members.get()

    response = session_client(caseworker).post(
        documents_url(other),
        body(number="op0000001", issued_on=None, expires_on=None),
        format="json",
    )

    # A record sent again: 409, naming the document that exists and its holder.
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("duplicate", "number")
    assert error["existing"]["id"] == document.pk
    assert TravelDocument.objects.count() == 1


def test_a_caseworker_corrects_a_document_and_the_timeline_says_so(caseworker, document):
    response = session_client(caseworker).patch(
        document_url(document), {"expires_on": "2031-05-01"}, format="json"
    )

    assert response.status_code == 200
    document.refresh_from_db()
    assert document.expires_on.isoformat() == "2031-05-01"
    event = document.individual.case.events.latest("id")
    assert event.kind == EventKind.MEMBER_UPDATED
    assert event.data["fields"] == ["expires_on"]
    assert "OP0000001" in event.reason


def test_a_correction_breaking_a_rule_changes_nothing(caseworker, document):
    response = session_client(caseworker).patch(
        document_url(document),
        {"issued_on": "2025-01-01", "expires_on": "2024-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "expires_on"
    document.refresh_from_db()
    assert (document.issued_on, document.expires_on) == (None, None)


def test_a_caseworker_removes_a_document_with_a_reason(caseworker, document):
    case = document.individual.case
    url = document_url(document)
    client = session_client(caseworker)

    missing = client.delete(url)
    assert (missing.status_code, missing.json()["error"]["field"]) == (400, "reason")
    assert TravelDocument.objects.exists()

    response = client.delete(url + "?reason=Replaced+by+a+new+passport")

    assert response.status_code == 204
    assert not TravelDocument.objects.exists()
    assert "Replaced by a new passport" in case.events.latest("id").reason
    assert client.get(url).status_code == 404


def test_a_document_of_another_case_is_404(caseworker, document):
    other = CaseFactory().members.get()
    url = f"{documents_url(other)}{document.pk}/"

    assert session_client(caseworker).patch(url, {"number": "Z"}, format="json").status_code == 404
    document.refresh_from_db()
    assert document.number == "OP0000001"


def test_the_document_writes_are_in_the_openapi_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert "post" in paths["/api/v1/cases/{id}/members/{member_pk}/documents/"]
    one = paths["/api/v1/cases/{id}/members/{member_pk}/documents/{document_pk}/"]
    assert {"get", "patch", "delete"} <= set(one)
    assert one["delete"]["parameters"][-1]["name"] == "reason"
