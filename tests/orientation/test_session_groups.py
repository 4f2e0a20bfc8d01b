"""Two groups of one curriculum at one venue on one day are two sessions; the same session sent
again is recognised (409 `duplicate`, naming the existing one) at the service, the page and the
API. The curricula session planning takes are listed in the API."""

import datetime

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from core.errors import DuplicateRecord
from orientation import services
from orientation.models import Curriculum, OrientationSession
from tests.api_clients import bearer_client, session_client

LIST = "/api/v1/orientation/sessions/"
CURRICULA = "/api/v1/orientation/curricula/"
READERS = ["caseworker", "clinician", "facilitator", "movement_officer", "manager", "administrator"]


def body(curriculum, start, **overrides):
    return {
        "curriculum": curriculum.pk,
        "start_date": start.isoformat(),
        "venue": "Mahama community hall",
        "language": "Kirundi",
        "facilitator": "facilitator",
        "capacity": 40,
        **overrides,
    }


def plan_group(facilitator, curriculum, start, group=""):
    return services.session_plan(
        actor=facilitator,
        curriculum=curriculum,
        start_date=start,
        venue="Mahama community hall",
        language="Kirundi",
        facilitator=facilitator,
        capacity=40,
        group=group,
    )


def test_two_groups_on_one_day_are_two_sessions_and_a_resent_one_is_refused(
    facilitator, usa_curriculum, today
):
    start = today + datetime.timedelta(days=5)
    first = plan_group(facilitator, usa_curriculum, start, "Group 1")
    second = plan_group(facilitator, usa_curriculum, start, "Group 2")
    assert first.pk != second.pk

    with pytest.raises(DuplicateRecord) as refused:
        plan_group(facilitator, usa_curriculum, start, "  Group   2 ")
    assert refused.value.existing["id"] == second.pk
    assert refused.value.existing["url"] == second.get_absolute_url()
    assert f"id {second.pk}" in str(refused.value.message)
    assert refused.value.field == "group"
    assert OrientationSession.objects.count() == 2


def test_a_days_only_group_sent_again_is_refused_on_the_first_day(
    facilitator, usa_curriculum, today
):
    start = today + datetime.timedelta(days=5)
    only = plan_group(facilitator, usa_curriculum, start)
    with pytest.raises(DuplicateRecord) as refused:
        plan_group(facilitator, usa_curriculum, start)
    assert refused.value.field == "start_date"
    assert refused.value.existing["id"] == only.pk
    assert "another group" in str(refused.value.message)


def test_the_api_plans_a_second_group_and_answers_409_naming_a_true_duplicate(
    facilitator, usa_curriculum, today
):
    client = session_client(facilitator)
    start = today + datetime.timedelta(days=7)
    first = client.post(LIST, body(usa_curriculum, start), format="json")
    second = client.post(LIST, body(usa_curriculum, start, group="afternoon"), format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["group"] == "afternoon"

    again = client.post(LIST, body(usa_curriculum, start, group="afternoon"), format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate"
    assert error["field"] == "group"
    assert error["existing"]["id"] == second.json()["id"]
    assert error["existing"]["api_url"] == f"{LIST}{second.json()['id']}/"
    assert OrientationSession.objects.count() == 2


def test_the_page_plans_a_second_group_and_names_the_existing_session_on_a_duplicate(
    client, facilitator, usa_curriculum, today
):
    client.force_login(facilitator)
    start = today + datetime.timedelta(days=10)
    form = {
        "curriculum": usa_curriculum.pk,
        "start_date": start.isoformat(),
        "number_of_days": "2",
        "venue": "Kiziba hall",
        "language": "Swahili",
        "facilitator": facilitator.pk,
        "capacity": "40",
    }
    url = reverse("orientation:session_plan")
    assert client.post(url, form).status_code == 302
    assert client.post(url, {**form, "group": "Group 2"}).status_code == 302
    again = client.post(url, {**form, "group": "Group 2"})
    existing = OrientationSession.objects.get(group="Group 2")
    assert again.status_code == 200
    message = again.context["form"].errors["group"][0]
    assert f"id {existing.pk}" in message and existing.get_absolute_url() in message
    assert OrientationSession.objects.count() == 2


# --- The curricula ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_staff_list_the_curricula_session_planning_takes(request, role, usa_curriculum):
    response = session_client(request.getfixturevalue(role)).get(CURRICULA, {"page_size": 200})
    assert response.status_code == 200
    rows = response.json()["results"]
    in_use = Curriculum.objects.filter(is_active=True)
    assert response.json()["count"] == in_use.count()
    assert {r["id"] for r in rows} == set(in_use.values_list("pk", flat=True))
    usa = next(r for r in rows if r["id"] == usa_curriculum.pk)
    assert (usa["name"], usa["destination_country"]) == (usa_curriculum.name, "USA")
    assert usa["number_of_days"] >= 1


def test_an_inactive_curriculum_is_not_listed(facilitator, usa_curriculum):
    Curriculum.objects.filter(pk=usa_curriculum.pk).update(is_active=False)
    rows = session_client(facilitator).get(CURRICULA, {"page_size": 200}).json()["results"]
    assert usa_curriculum.pk not in {r["id"] for r in rows}


def test_a_partner_reads_the_curricula_with_cases_read_and_not_without(partner):
    assert bearer_client(partner, "cases:read").get(CURRICULA).status_code == 200
    assert bearer_client(partner, "medical:read").get(CURRICULA).status_code == 403


# The session, its user, their roles, the count and the page: the same for one or many.
QUERIES_FOR_CURRICULA = 5


def test_the_curricula_list_takes_a_fixed_number_of_queries(facilitator, django_assert_num_queries):
    client = session_client(facilitator)
    with django_assert_num_queries(QUERIES_FOR_CURRICULA):
        client.get(CURRICULA)
    country = Curriculum.objects.first().destination_country
    for n in range(5):
        Curriculum.objects.create(destination_country=country, name=f"Extra curriculum {n}")
    with django_assert_num_queries(QUERIES_FOR_CURRICULA):
        assert len(client.get(CURRICULA).json()["results"]) >= 6


def test_the_curricula_and_the_session_group_are_in_the_openapi_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    listed = schema["paths"][CURRICULA]["get"]
    assert listed["operationId"] == "orientation_curricula_list"
    plan_input = schema["components"]["schemas"]["SessionPlanInputRequest"]["properties"]
    assert "group" in plan_input
    assert "409" in schema["paths"][LIST]["post"]["responses"]


def test_the_partner_guide_names_the_curricula_and_the_session_group():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    guide = readme.split("## Partner guide", 1)[1]
    assert "GET /api/v1/orientation/curricula/" in guide
    assert "`group`" in guide
