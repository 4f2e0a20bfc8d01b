import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from cases.models import Case, Country, PartnerProfile
from core.roles import Role, has_role
from tests.api.conftest import bearer, create_partner, fetch_token, snapshot
from tests.api.test_cases_api import referral
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def test_create_partner_client_registers_account_profile_and_client(capsys):
    client_id, secret = create_partner("US Embassy Kigali", "cases:read", country="USA")
    application = get_application_model().objects.get(client_id=client_id)
    assert application.authorization_grant_type == "client-credentials"
    assert application.client_secret != secret  # stored hashed
    assert has_role(application.user, Role.PARTNER_SYSTEM)
    profile = PartnerProfile.objects.get(user=application.user)
    assert (profile.organisation, profile.country.iso_code) == ("US Embassy Kigali", "USA")


def test_create_partner_client_refuses_unknown_scopes_and_countries():
    with pytest.raises(CommandError):
        call_command("create_partner_client", "--name", "X", "--scopes", "cases:delete")
    with pytest.raises(CommandError):
        call_command(
            "create_partner_client", "--name", "X", "--scopes", "cases:read", "--country", "ZZZ"
        )
    assert not get_application_model().objects.exists()


def test_a_partner_gets_a_token_with_client_credentials_and_reads_cases():
    case = CaseFactory()
    client_id, secret = create_partner("UNHCR Rwanda", "cases:read cases:write")
    response = fetch_token(client_id, secret, scope="cases:read")
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "cases:read"
    listing = bearer(token["access_token"]).get(URL)
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [case.pk]


def test_a_wrong_secret_gets_no_token():
    client_id, _secret = create_partner("UNHCR Rwanda", "cases:read")
    assert fetch_token(client_id, "not-the-secret").status_code == 401


def test_a_partner_cannot_obtain_a_scope_it_was_not_granted():
    client_id, secret = create_partner("UNHCR Rwanda", "cases:read")
    response = fetch_token(client_id, secret, scope="cases:write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_partner_with_the_write_scope_takes_in_a_referral(partner_token):
    token = partner_token(scopes="cases:read cases:write")
    response = bearer(token).post(URL, referral(), format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.get().events.get().actor.username == "partner-unhcr-rwanda"


def test_a_read_only_token_cannot_write(partner_token):
    token = partner_token(scopes="cases:read")
    before = snapshot()
    response = bearer(token).post(URL, referral(), format="json")
    assert response.status_code == 403
    assert "cases:write" in response.json()["error"]["message"]
    assert snapshot() == before


def test_a_token_without_the_read_scope_cannot_read(partner_token):
    CaseFactory()
    token = partner_token(scopes="movements:read")
    response = bearer(token).get(URL)
    assert response.status_code == 403
    assert "cases:read" in response.json()["error"]["message"]


def test_an_expired_token_is_refused_with_401(partner_token):
    token = partner_token()
    # Tokens are stored as checksums (RFC 9700 storage): expire the only one there is.
    assert AccessToken.objects.count() == 1
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    response = bearer(token).get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_with_401():
    client_id, secret = create_partner("UNHCR Rwanda", "cases:read")
    token = fetch_token(client_id, secret).json()["access_token"]
    assert bearer(token).get(URL).status_code == 200
    from rest_framework.test import APIClient

    revoked = APIClient().post(
        "/o/revoke_token/",
        {"token": token, "client_id": client_id, "client_secret": secret},
    )
    assert revoked.status_code == 200
    assert bearer(token).get(URL).status_code == 401


def test_a_partner_tied_to_canada_cannot_see_a_us_case(partner_token):
    us_case = CaseFactory()
    canada = Country.objects.get(iso_code="CAN")
    ca_case = CaseFactory(destination_country=canada)
    client = bearer(
        partner_token(name="IRCC Nairobi", scopes="cases:read cases:write", country="CAN")
    )
    listing = client.get(URL).json()
    assert [r["id"] for r in listing["results"]] == [ca_case.pk]
    assert client.get(f"{URL}{us_case.pk}/").status_code == 404
    assert client.get(f"{URL}{us_case.pk}/timeline/").status_code == 404
    before = snapshot()
    response = client.patch(f"{URL}{us_case.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    people = client.get("/api/v1/individuals/").json()["results"]
    assert {p["case"]["id"] for p in people} == {ca_case.pk}
    assert client.get(f"/api/v1/individuals/{us_case.principal.pk}/").status_code == 404
    assert snapshot() == before


def test_a_partner_tied_to_canada_cannot_create_or_move_a_case_to_the_us(partner_token):
    client = bearer(
        partner_token(name="IRCC Nairobi", scopes="cases:read cases:write", country="CAN")
    )
    before = snapshot()
    response = client.post(URL, referral(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "destination_country"
    assert snapshot() == before


def test_a_partner_cannot_take_workflow_steps(partner_token):
    case = CaseFactory()
    before = snapshot()
    response = bearer(partner_token()).post(
        f"{URL}{case.pk}/transitions/", {"transition": "start_pre_screening"}, format="json"
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_a_partner_signed_in_with_a_session_may_read_but_not_write(api, partner):
    CaseFactory()
    client = api.as_(partner)
    assert client.get(URL).status_code == 200
    before = snapshot()
    assert client.post(URL, referral(), format="json").status_code == 403
    assert snapshot() == before
