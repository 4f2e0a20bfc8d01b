"""The administrator role runs the admin site: reference data, people and roles; nobody else."""

import pytest
from django.contrib.auth.models import Group

from cases.models import Country, Location
from core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_with_role(role, username):
    return UserFactory(username=username, is_staff=True, roles=[role])


def test_an_administrator_edits_reference_data_in_the_admin(client):
    client.force_login(staff_with_role(Role.ADMINISTRATOR, "admin-officer"))
    camp = Location.objects.get(name="Kigeme")

    listing = client.get("/admin/cases/location/")
    response = client.post(
        f"/admin/cases/location/{camp.pk}/change/",
        {"name": "Kigeme", "kind": "camp", "district": "Nyamagabe South", "is_open": "on"},
    )

    assert listing.status_code == 200
    assert response.status_code == 302
    camp.refresh_from_db()
    assert camp.district == "Nyamagabe South"
    assert client.get("/admin/medical/medicalprotocol/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200


def test_other_roles_cannot_change_reference_data_even_with_staff_status(client):
    client.force_login(staff_with_role(Role.CASEWORKER, "curious-caseworker"))
    before = Country.objects.get(iso_code="USA").name

    response = client.post(
        f"/admin/cases/country/{Country.objects.get(iso_code='USA').pk}/change/",
        {"iso_code": "USA", "name": "Changed", "is_destination": "on"},
    )

    assert response.status_code == 403
    assert Country.objects.get(iso_code="USA").name == before


def test_the_administrator_group_holds_no_medical_record_permission():
    codenames = set(
        Group.objects.get(name=Role.ADMINISTRATOR).permissions.values_list(
            "content_type__model", flat=True
        )
    )
    assert "healthassessment" not in codenames
    assert {"country", "medicalprotocol", "curriculum", "user"} <= codenames
