"""One organisation scope (cases.selectors.partner_scope) at every door.

Every API route, enumerated from the URL conf and checked against the schema, is called by the
systems of three organisations: Canada's mission (the right one), the US mission (another
country) and a deactivated Canadian mission. The inactive one is refused everywhere (its token
answers nothing, it gets no new one) and nothing is written; the other country never reads a
word of Canada's case; the right one reads it.
"""

import datetime
import re

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from cases.choices import PartnerKind
from cases.models import Case
from cases.selectors import case_visible_to, partner_country_id, partner_scope
from movements.bookings.selectors import bookings_visible_to
from movements.models import Booking, BookingNotice
from partners.models import IntakeBatch, WebhookEndpoint, WebhookMessage
from tests.api.conftest import create_partner, fetch_token
from tests.api.test_contract import _api_routes
from tests.api_clients import bearer_client, session_client
from tests.movements.booked import booked_case

from .conftest import account, organisation

pytestmark = pytest.mark.django_db

EVERY_SCOPE = (
    "cases:read cases:write interviews:write medical:read movements:read movements:write "
    "webhooks:manage"
)
MARKER = "Zyxcanadian"


@pytest.fixture
def world():
    day = timezone.localdate() + datetime.timedelta(days=20)
    canada_booking = booked_case(day=day, country="CAN")
    canada_case = canada_booking.case
    canada_case.members.update(family_name=MARKER)
    Case.objects.filter(pk=canada_case.pk).update(unhcr_case_number="CAN-ZYX-1")
    notice = BookingNotice.objects.create(
        booking=canada_booking,
        sequence=1,
        kind="original",
        status="sent",
        recipient="abn@canada.example",
        subject=f"Arrival of {MARKER}",
        body=f"The family {MARKER} arrives.",
        sent_at=timezone.now(),
    )
    right = account(organisation("Canada mission", PartnerKind.MISSION, "CAN"), "canada-sys")
    other = account(organisation("US mission", PartnerKind.MISSION, "USA"), "usa-sys")
    gone_org = organisation("Old Canada mission", PartnerKind.MISSION, "CAN")
    inactive = account(gone_org, "old-canada-sys")
    # Its token was issued while it was active; then it was deactivated.
    inactive_client = bearer_client(inactive, EVERY_SCOPE)
    endpoint = WebhookEndpoint.objects.create(
        organisation=gone_org, url="https://partner.example/hook"
    )
    message = WebhookMessage.objects.create(
        endpoint=endpoint, msg_id="msg_old", event_type="case.status_changed", payload={}
    )
    batch = IntakeBatch.objects.create(created_by=inactive, format="csv", content=b"")
    gone_org.is_active = False
    gone_org.save()
    return {
        "case": canada_case,
        "booking": canada_booking,
        "notice": notice,
        "member": canada_case.members.first(),
        "message": message,
        "endpoint": endpoint,
        "batch": batch,
        "callers": {
            "right": bearer_client(right, EVERY_SCOPE),
            "other": bearer_client(other, EVERY_SCOPE),
            "inactive": inactive_client,
        },
        "users": {"right": right, "other": other, "inactive": inactive},
    }


def _url(route: str, world) -> str:
    """The route with its ids filled with the Canadian case's records."""
    ids = {
        "notices/<int:pk>": world["notice"].pk,
        "bookings/<int:pk>": world["booking"].pk,
        "cases/<int:pk>": world["case"].pk,
        "webhook-messages/<int:pk>": world["message"].pk,
        "webhook-endpoints/<int:pk>": world["endpoint"].pk,
        "referral-files/<int:pk>": world["batch"].pk,
    }
    url = "/" + route
    for prefix, pk in ids.items():
        url = url.replace(prefix, prefix.replace("<int:pk>", str(pk)))
    url = url.replace("<int:member_pk>", str(world["member"].pk))
    url = url.replace("<int:pk>", str(world["case"].pk))
    url = url.replace("<int:year>", str(timezone.localdate().year))
    url = re.sub(r"<int:\w+>", "999999", url)
    return re.sub(r"<str:\w+>", "csv", url)


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Case, Booking, BookingNotice, WebhookEndpoint, WebhookMessage, IntakeBatch)
    }


def _schema_routes() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {re.sub(r"\{\w+\}", "{}", path) for path in schema["paths"]}


def test_every_api_route_keeps_to_the_organisation_scope(world):
    routes = list(_api_routes())
    assert len(routes) >= 60
    # Every route of the URL conf is in the schema, and the schema has none besides.
    assert {"/" + re.sub(r"<\w+:\w+>", "{}", r) for r in routes} == _schema_routes()
    callers = world["callers"]
    before = _counts()
    read_by_right = []
    for route in routes:
        url = _url(route, world)
        for method in ("get", "post"):
            answers = {
                name: getattr(client, method)(url, {}, format="json")
                for name, client in callers.items()
            }
            for name in ("inactive", "other") if method == "post" else ():
                # And every other method the route takes, refused alike (once per route).
                for other_method in ("patch", "put", "delete"):
                    answer = getattr(callers[name], other_method)(url, {}, format="json")
                    assert answer.status_code < 500, (name, other_method, url)
                    if name == "inactive":
                        assert answer.status_code in (401, 405, 415), (other_method, url)
            # Refused (a body of a type the route never takes is refused before anyone is).
            assert answers["inactive"].status_code in (401, 415), (method, url)
            for name, answer in answers.items():
                assert answer.status_code < 500, (name, method, url, answer.status_code)
            assert MARKER not in answers["other"].content.decode(), (method, url)
            assert "CAN-ZYX-1" not in answers["other"].content.decode(), (method, url)
            if method == "get" and MARKER in answers["right"].content.decode():
                read_by_right.append(route)
    # Nothing was written by the refused callers (the empty POSTs refuse for their fields).
    assert _counts() == before
    # The right mission reads its case, its booking and its notice.
    for route in (
        "api/v1/cases/<int:pk>/",
        "api/v1/movements/bookings/<int:pk>/",
        "api/v1/movements/notices/<int:pk>/",
        "api/v1/movements/notices/",
    ):
        assert route in read_by_right, route


def test_an_inactive_organisation_sees_nothing_through_every_selector(world):
    inactive = world["users"]["inactive"]
    assert partner_scope(inactive).active is False
    assert not case_visible_to(inactive).exists()
    assert not bookings_visible_to(inactive).exists()
    assert partner_country_id(inactive) == 0
    # A session of its account (the browser door) reads nothing either.
    client = session_client(inactive)
    listing = client.get("/api/v1/movements/bookings/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    notice = client.get(f"/api/v1/movements/notices/{world['notice'].pk}/")
    assert notice.status_code == 404
    assert client.get("/api/v1/webhook-messages/").json().get("count", 0) == 0


def test_an_inactive_organisation_gets_no_token():
    from cases.models import PartnerOrganisation, PartnerProfile

    org = organisation("Closed mission", PartnerKind.MISSION, "CAN")
    client_id, secret = create_partner("Closed mission system", "cases:read")
    PartnerProfile.objects.filter(user__username__icontains="closed").update(
        partner_organisation=org
    )
    assert fetch_token(client_id, secret).status_code == 200
    PartnerOrganisation.objects.filter(pk=org.pk).update(is_active=False)
    refused = fetch_token(client_id, secret)
    assert refused.status_code in (400, 401)
    assert "access_token" not in refused.json()
