"""Each role starts on its work after login and on "/" (core.landing is the one table)."""

import pytest
from django.urls import reverse

from cases.choices import PartnerKind
from cases.models import Country, PartnerOrganisation, PartnerProfile
from core.landing import LANDING_PAGES, landing_page_name
from core.roles import Role
from tests.factories import CaseFactory, UserFactory

PASSWORD = "correct horse battery staple"

EXPECTED = {
    Role.CASEWORKER: ("cases:dashboard", "My desk"),
    Role.CLINICIAN: ("medical:today", "Appointments on"),
    Role.ORIENTATION_FACILITATOR: ("orientation:session_list", "Cultural orientation sessions"),
    Role.MOVEMENT_OFFICER: ("movements:board", "Readiness board"),
    Role.MANAGER: ("reports:dashboard", "Figures"),
    Role.PARTNER_SYSTEM: ("cases:partner_scope", "What your organisation may see"),
    Role.ADMINISTRATOR: ("cases:dashboard", "My desk"),
}


def test_the_table_names_every_role():
    assert {role for role, _name in LANDING_PAGES} == set(Role)
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_work_after_login(client, all_roles, role):
    user = all_roles[role]
    name, heading = EXPECTED[role]
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.resolver_match.view_name == name
    assert response.redirect_chain[-1][0] == reverse(name)
    assert f"<h1>{heading}" in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_slash_sends_each_role_to_its_work(client, all_roles, role):
    client.force_login(all_roles[role])
    name, _heading = EXPECTED[role]
    response = client.get("/")
    if name == "cases:dashboard":
        assert response.status_code == 200
        assert response.resolver_match.view_name == "cases:dashboard"
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(name)
        assert client.get(response["Location"]).status_code == 200
    assert landing_page_name(all_roles[role]) == name


def test_a_caseworker_who_also_manages_starts_on_the_desk(db):
    user = UserFactory(roles=[Role.MANAGER, Role.CASEWORKER])
    assert landing_page_name(user) == "cases:dashboard"


def test_a_user_with_no_role_is_refused_on_the_desk(client, db):
    client.force_login(UserFactory())
    assert client.get("/").status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_page_says_what_a_mission_may_see(client, partner):
    usa = Country.objects.get(iso_code="USA")
    mission = PartnerOrganisation.objects.create(name="US mission", kind=PartnerKind.MISSION)
    mission.countries.add(usa)
    PartnerProfile.objects.create(
        user=partner, organisation="US mission", partner_organisation=mission
    )
    CaseFactory(destination_country=usa)
    CaseFactory(destination_country=Country.objects.exclude(pk=usa.pk).first())
    client.force_login(partner)
    response = client.get(reverse("cases:partner_scope"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "US mission" in text
    assert "Cases going to United States" in text
    assert "<dd>1</dd>" in text


def test_partner_page_for_unhcr_says_every_case(client, partner):
    PartnerProfile.objects.create(user=partner, organisation="UNHCR Rwanda")
    CaseFactory()
    client.force_login(partner)
    text = client.get(reverse("cases:partner_scope")).content.decode()
    assert "UNHCR Rwanda" in text
    assert "Every case" in text


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PARTNER_SYSTEM])
def test_partner_page_is_for_partner_accounts_only(client, all_roles, role):
    client.force_login(all_roles[role])
    assert client.get(reverse("cases:partner_scope")).status_code == 403
