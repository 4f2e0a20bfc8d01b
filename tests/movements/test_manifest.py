"""A manifest an airline and a receiving state accept: per traveller the advance-passenger
fields, infant on lap, special-service codes, booking reference and every segment; totals,
escorts, generated time, page "n of m", the personal-data mark; a tagged PDF; the CSV with the
same columns plus the flight. Read back: PDF text extracted, CSV parsed."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.choices import Relationship, Sex
from cases.models import Country, TravelDocument
from medical.models import HealthAssessment
from movements.bookings.services import escort_assign
from movements.choices import EscortKind, EscortRole
from movements.groups import selectors as group_selectors
from movements.groups import services as groups
from tests.factories import IndividualFactory
from tests.movements.booked import booked_case


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def flight(movement_officer, day):
    """Two households on ET812 (the carrier typed in the number too): one with a wheelchair
    child and an infant, one whose traveller needs oxygen and a medical escort; everyone
    holds a document; a group escort and a booking escort."""
    group = groups.travel_group_create(actor=movement_officer, name="ET812", flight_date=day)
    first = booked_case(day=day, children=1, flight="ET ET812", reference="PNR001")
    IndividualFactory(
        case=first.case,
        relationship=Relationship.CHILD,
        sex=Sex.FEMALE,
        date_of_birth=day - datetime.timedelta(days=300),
    )
    infant = first.case.members.order_by("-date_of_birth").first()
    first.travellers.create(individual=infant, ticket_number="7069999999999")
    second = booked_case(day=day, children=0, flight="ET ET812", reference="PNR002")
    HealthAssessment.objects.create(
        individual=second.case.members.get(),
        programme=second.case.programme,
        outcome="cleared_with_conditions",
        outcome_on=timezone.localdate(),
        valid_until=day + datetime.timedelta(days=30),
        conditions=["oxygen", "medical_escort"],
    )
    for booking in (first, second):
        for person in booking.case.members.all():
            if not person.documents.exists():
                TravelDocument.objects.create(
                    individual=person,
                    document_type="refugee_travel_document",
                    number=f"RTD{person.pk:06d}",
                    issuing_country=Country.objects.get(iso_code="RWA"),
                    expires_on=day + datetime.timedelta(days=700),
                )
        groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)
    escort_assign(
        actor=movement_officer,
        travel_group=group,
        name="Jean Habimana",
        kind=EscortKind.HIRED,
        role=EscortRole.OPERATIONAL,
    )
    return group


def test_every_traveller_carries_the_advance_passenger_fields(flight, day):
    manifest = group_selectors.travel_group_manifest(flight)

    assert manifest.total == 4
    for row in manifest.rows:
        assert row.apis_family_name == row.person.family_name.upper()
        assert row.document_type and row.document_number and row.document_issuer
        assert row.document_expires > day
        assert row.booking_reference in ("PNR001", "PNR002")
        assert len(row.flights) == 2
        assert row.flights[0].startswith("ET812 KGL ")
        assert "Jean Habimana (Operational, Hired)" in row.escorts
    infants = [r for r in manifest.rows if r.infant_on_lap]
    assert len(infants) == 1 and infants[0].lap_of
    assert (manifest.infants_on_lap, manifest.seats) == (1, 3)
    codes = {code for r in manifest.rows for code in r.ssr_codes}
    assert codes == {"WCHR", "OXYG", "MEDA"}
    assert dict(manifest.by_age_band) == {
        "airline infant (under 2)": 1,
        "airline child (2-11)": 1,
        "airline adult (12 and over)": 2,
    }
    assert manifest.flight == "ET812 KGL-NBO / ET 002 NBO-JFK"


def test_the_pdf_is_tagged_and_read_back_has_every_traveller_s_fields(
    client, movement_officer, flight
):
    client.force_login(movement_officer)
    response = client.get(reverse("movements:manifest_pdf", args=[flight.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())

    manifest = group_selectors.travel_group_manifest(flight)
    for row in manifest.rows:
        for value in (
            row.apis_family_name,
            row.apis_given_name,
            row.person.date_of_birth.isoformat(),
            row.nationality,
            row.document_number,
            row.document_issuer,
            row.document_expires.isoformat(),
            row.booking_reference,
        ):
            assert value in flat, value
    for expected in ("WCHR", "OXYG", "MEDA", "Jean Habimana", "Contains personal data"):
        assert expected in flat, expected
    assert "ET812" in flat and "ET ET812" not in flat
    assert f"Page 1 of {len(reader.pages)}" in flat
    assert "Generated" in flat
    assert "Airline age bands" in flat
    assert "Infants on lap" in flat


def test_the_csv_has_the_same_columns_plus_the_flight_for_every_traveller(
    client, movement_officer, flight
):
    client.force_login(movement_officer)
    response = client.get(reverse("movements:manifest_csv", args=[flight.pk]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    assert len(rows) == 4
    required = (
        "Family name (as in the document)",
        "Given names (as in the document)",
        "Sex",
        "Date of birth",
        "Nationality",
        "Document type",
        "Document number",
        "Issuing country",
        "Document expires",
        "Booking reference",
        "Flight",
        "Flights",
        "Escorts",
        "Airline age band",
    )
    for row in rows:
        for column in required:
            assert row[column], (column, row)
        assert row["Flight"] == "ET812 KGL-NBO / ET 002 NBO-JFK"
        assert "Jean Habimana" in row["Escorts"]
    assert sorted(r["Infant on lap"] for r in rows) == ["no", "no", "no", "yes"]
    assert next(r for r in rows if r["Infant on lap"] == "yes")["On the lap of"]
    assert {r["Special service (SSR)"] for r in rows} >= {"WCHR", "OXYG MEDA"}
