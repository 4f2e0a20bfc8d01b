"""Each partner organisation sees its data scope, through every API that uses the selectors:
a case outside it is a 404 and is absent from lists and counts."""

import pytest

from cases.models import Country
from cases.selectors import case_visible_to
from tests.api_clients import bearer_client
from tests.factories import CaseFactory, InterviewFactory

from .conftest import account

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases():
    usa = CaseFactory(destination_country=Country.objects.get(iso_code="USA"))
    canada_country = Country.objects.get(iso_code="CAN")
    canada = CaseFactory(
        destination_country=canada_country,
        programme=canada_country.programmes.first(),
    )
    return usa, canada


def test_a_mission_reads_only_the_cases_bound_for_its_country(canada_client, two_cases):
    usa, canada = two_cases
    listing = canada_client.get("/api/v1/cases/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert [row["id"] for row in listing.json()["results"]] == [canada.pk]
    assert canada_client.get(f"/api/v1/cases/{canada.pk}/").status_code == 200
    outside = canada_client.get(f"/api/v1/cases/{usa.pk}/")
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "not_found"


def test_a_mission_does_not_see_interviews_of_other_countries_cases(canada_client, two_cases):
    usa, canada = two_cases
    InterviewFactory(case=usa)
    mine = InterviewFactory(case=canada)
    listing = canada_client.get("/api/v1/interviews/")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [mine.pk]


def test_unhcr_reads_every_case(unhcr_client, two_cases):
    assert unhcr_client.get("/api/v1/cases/").json()["count"] == 2


def test_the_support_centre_sees_the_destinations_it_processes(support_centre, two_cases):
    usa, canada = two_cases
    client = bearer_client(account(support_centre, "rsc-system"), "cases:read")
    listing = client.get("/api/v1/cases/").json()
    assert [row["id"] for row in listing["results"]] == [usa.pk]
    assert client.get(f"/api/v1/cases/{canada.pk}/").status_code == 404


def test_an_inactive_organisation_sees_nothing(unhcr, unhcr_account, two_cases):
    unhcr.is_active = False
    unhcr.save()
    assert not case_visible_to(unhcr_account).exists()
    # Its token answers nothing (401), and its session reads an empty list.
    client = bearer_client(unhcr_account, "cases:read")
    assert client.get("/api/v1/cases/").status_code == 401
    from tests.api_clients import session_client

    assert session_client(unhcr_account).get("/api/v1/cases/").json()["count"] == 0


def test_a_mission_cannot_write_a_case_for_another_country(canada_account, two_cases):
    usa, _canada = two_cases
    client = bearer_client(canada_account, "cases:read cases:write")
    answer = client.patch(f"/api/v1/cases/{usa.pk}/", {"notes": "x"}, format="json")
    assert answer.status_code == 404
    usa.refresh_from_db()
    assert usa.notes == ""


def _schedule_body(case):
    import datetime

    from django.utils import timezone

    when = timezone.now() + datetime.timedelta(days=3)
    return {"case": case.pk, "kind": "pre_screening", "scheduled_for": when.isoformat()}


def test_the_support_centre_schedules_interviews_for_the_cases_it_processes(
    support_centre, two_cases
):
    from cases.models import Interview

    usa, canada = two_cases
    client = bearer_client(account(support_centre, "rsc-system"), "cases:read interviews:write")
    answer = client.post("/api/v1/interviews/", _schedule_body(usa), format="json")
    assert answer.status_code == 201, answer.content
    outside = client.post("/api/v1/interviews/", _schedule_body(canada), format="json")
    assert outside.status_code == 400
    assert outside.json()["error"]["field"] == "case"
    assert list(Interview.objects.values_list("case_id", flat=True)) == [usa.pk]


def test_unhcr_and_missions_may_not_schedule_nor_decide(unhcr_account, canada_account, two_cases):
    import datetime

    from django.utils import timezone

    from cases.models import Interview

    usa, canada = two_cases
    for user, case in ((unhcr_account, usa), (canada_account, canada)):
        client = bearer_client(user, "cases:read interviews:write")
        assert (
            client.post("/api/v1/interviews/", _schedule_body(case), format="json").status_code
            == 403
        )
        held = InterviewFactory(
            case=case, scheduled_for=timezone.now() - datetime.timedelta(days=1)
        )
        decision = {
            "outcome": "completed",
            "decision": "approved",
            "decided_on": timezone.localdate().isoformat(),
        }
        answer = client.post(f"/api/v1/interviews/{held.pk}/outcome/", decision, format="json")
        assert answer.status_code == 403
        held.refresh_from_db()
        assert held.decision == ""
    assert Interview.objects.count() == 2


def test_create_partner_client_ties_the_client_to_its_organisation(canada_mission, two_cases):
    import re
    from io import StringIO

    from django.core.management import call_command

    from tests.api.conftest import bearer, fetch_token

    _usa, canada = two_cases
    out = StringIO()
    call_command(
        "create_partner_client",
        "--name",
        "Canada system",
        "--scopes",
        "cases:read",
        "--organisation",
        canada_mission.name,
        stdout=out,
    )
    client_id = re.search(r"client_id: (\S+)", out.getvalue()).group(1)
    secret = re.search(r"client_secret: (\S+)", out.getvalue()).group(1)
    token = fetch_token(client_id, secret).json()["access_token"]
    listing = bearer(token).get("/api/v1/cases/").json()
    assert [row["id"] for row in listing["results"]] == [canada.pk]
