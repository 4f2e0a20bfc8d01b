import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, Individual, TravelDocument


@pytest.fixture
def api():
    """An API client; `api.as_(user)` signs a person in with a session."""

    class Client(APIClient):
        def as_(self, user):
            self.force_login(user)
            return self

    return Client()


def create_partner(name, scopes, country=None) -> tuple[str, str]:
    """Run create_partner_client and return (client_id, client_secret) from what it prints."""
    from io import StringIO

    out = StringIO()
    args = ["--name", name, "--scopes", scopes]
    if country:
        args += ["--country", country]
    call_command("create_partner_client", *args, stdout=out)
    text = out.getvalue()
    client_id = re.search(r"client_id: (\S+)", text).group(1)
    secret = re.search(r"client_secret: (\S+)", text).group(1)
    return client_id, secret


def fetch_token(client_id, secret, scope=None):
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = APIClient().post(
        "/o/token/", data, HTTP_AUTHORIZATION=_basic(client_id, secret), format="multipart"
    )
    return response


def _basic(client_id, secret):
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def partner_token(db):
    """token(name, scopes, country=None) -> access token string of a new partner system."""

    def make(name="UNHCR Rwanda", scopes="cases:read cases:write", country=None):
        client_id, secret = create_partner(name, scopes, country)
        response = fetch_token(client_id, secret)
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return make


def snapshot():
    """What a refused request must leave exactly as it was."""
    return (
        list(Case.objects.order_by("pk").values_list("pk", "status", "updated_at", "notes")),
        list(Individual.objects.order_by("pk").values_list("pk", "updated_at", "given_name")),
        TravelDocument.objects.count(),
        CaseEvent.objects.count(),
    )
