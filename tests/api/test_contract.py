"""The API keeps its contract at every door: hostile input answers 4xx in the one error shape,
never a 5xx, and nothing is written."""

import json
import os

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers as drf_serializers
from rest_framework.test import APIClient

from cases.models import Case
from core.api.parsers import MAX_DEPTH
from core.api.serializers import StrictSerializer
from tests.api.conftest import snapshot
from tests.api_clients import session_client
from tests.factories import CaseFactory
from tests.medical.factories import HealthAssessmentFactory

pytestmark = pytest.mark.django_db


def nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def deep_json(key: str, depth: int) -> str:
    return '{"%s": %s"x"%s}' % (key, "[" * depth, "]" * depth)  # noqa: UP031


def assert_error_shape(response, status: int, field: str | None = None):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] and body["error"]["message"]
    if field is not None:
        assert field in body["error"]["fields"], body
    return body["error"]


def _api_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_routes(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            yield route


def test_options_answers_every_endpoint_without_a_server_error(caseworker):
    case = CaseFactory()
    assessment = HealthAssessmentFactory(individual=case.members.first())
    client = session_client(caseworker)
    routes = list(_api_routes())
    assert len(routes) >= 20
    for route in routes:
        url = "/" + route.replace("<int:pk>", str(case.pk)).replace(
            "<int:member_pk>", str(case.members.first().pk)
        )
        if "medical/assessments/<" in "/" + route:
            url = url.replace(str(case.pk), str(assessment.pk))
        response = client.options(url)
        assert response.status_code < 500, (url, response.status_code)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
    response = client.options(f"/api/v1/cases/{case.pk}/transitions/")
    assert response.status_code == 200
    assert "POST" in response["Allow"]
    # Who may call each method, from the same declaration the permission reads.
    operations = response.json()["operations"]
    assert operations["POST"]["token_scope"] is None
    assert "partner_system" not in operations["POST"]["roles"]
    assert operations["GET"]["token_scope"] == "cases:read"


def test_json_nested_a_thousand_levels_deep_answers_400(caseworker):
    case = CaseFactory(status="pre_screening")
    client = session_client(caseworker)
    before = snapshot()
    for url, method, key in (
        (f"/api/v1/cases/{case.pk}/", "patch", "notes"),
        (f"/api/v1/cases/{case.pk}/transitions/", "post", "context"),
        ("/api/v1/cases/", "post", "members"),
    ):
        response = getattr(client, method)(
            url, deep_json(key, 1000), content_type="application/json"
        )
        error = assert_error_shape(response, 400)
        assert error["code"] == "parse_error"
    # Just past the bound is refused the same way; a list inside `notes` is a field error.
    response = client.patch(
        f"/api/v1/cases/{case.pk}/", deep_json("notes", MAX_DEPTH), content_type="application/json"
    )
    assert_error_shape(response, 400)
    response = client.patch(
        f"/api/v1/cases/{case.pk}/", {"notes": nested(5)}, content_type="application/json"
    )
    assert_error_shape(response, 400, field="notes")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("programme", "USR\x00AP"),
        ("destination_country", "US\x00A"),
        ("unhcr_case_number", "RWA-\x00"),
        ("notes", "a\x00b"),
        ("submission_category", "\x00"),
    ],
)
def test_a_nul_character_in_a_case_field_answers_400_naming_it(caseworker, field, value):
    case = CaseFactory()
    before = snapshot()
    response = session_client(caseworker).patch(
        f"/api/v1/cases/{case.pk}/", {field: value}, format="json"
    )
    error = assert_error_shape(response, 400, field=field)
    assert "NUL" in error["fields"][field][0]
    assert snapshot() == before


def test_a_nul_character_in_a_members_field_or_a_query_answers_400_naming_it(caseworker):
    client = session_client(caseworker)
    before = snapshot()
    body = {"members": [{"nationality": "CO\x00D"}], "programme": "USRAP"}
    response = client.post("/api/v1/cases/", body, format="json")
    assert_error_shape(response, 400, field="members[0].nationality")
    response = client.get("/api/v1/cases/", {"q": "mu\x00"})
    assert_error_shape(response, 400, field="q")
    response = client.get("/api/v1/individuals/", {"unhcr_individual_number": "\x00"})
    assert_error_shape(response, 400, field="unhcr_individual_number")
    assert snapshot() == before


def test_a_body_past_the_upload_bound_answers_413_in_the_error_shape(caseworker, settings):
    # As under production settings: no debug pages, Django's default bound of 2.5 MB.
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    case = CaseFactory()
    client = session_client(caseworker)
    client.raise_request_exception = False
    before = snapshot()
    body = json.dumps({"notes": "x" * (3 * 1024 * 1024)})
    for method, url in (
        ("patch", f"/api/v1/cases/{case.pk}/"),
        ("post", "/api/v1/cases/"),
        ("post", f"/api/v1/cases/{case.pk}/transitions/"),
        ("post", "/api/v1/interviews/"),
        ("post", "/api/v1/medical/assessments/"),
    ):
        response = getattr(client, method)(url, body, content_type="application/json")
        error = assert_error_shape(response, 413)
        assert error["code"] == "request_too_large"
    assert snapshot() == before


def test_a_large_form_body_under_api_answers_413_in_the_error_shape(caseworker, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = session_client(caseworker)
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/cases/", "a=" + "x" * 5000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (413, 415)
    assert_error_shape(response, response.status_code)


def test_medical_assessment_patch_refuses_read_only_and_unknown_fields(clinician):
    assessment = HealthAssessmentFactory(individual=CaseFactory().members.first())
    before = (assessment.outcome, assessment.valid_until, assessment.updated_at)
    client = session_client(clinician)
    response = client.patch(
        f"/api/v1/medical/assessments/{assessment.pk}/",
        {"valid_until": "2030-01-01", "outcome": "cleared", "colour": "blue"},
        format="json",
    )
    error = assert_error_shape(response, 400)
    assert set(error["fields"]) == {"valid_until", "outcome", "colour"}
    assert "protocol" in error["fields"]["valid_until"][0]
    assert "outcome/" in error["fields"]["outcome"][0]
    assessment.refresh_from_db()
    assert (assessment.outcome, assessment.valid_until, assessment.updated_at) == before


def _input_serializers():
    import cases.interviews.serializers
    import cases.serializers
    import medical.serializers
    import orientation.serializers

    for module in (
        cases.serializers,
        cases.interviews.serializers,
        medical.serializers,
        orientation.serializers,
    ):
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, drf_serializers.Serializer)
                and value.__module__ == module.__name__
                and name.endswith(("In", "Input"))
            ):
                yield value


def test_every_input_serializer_refuses_unknown_and_read_only_keys():
    inputs = list(_input_serializers())
    assert len(inputs) >= 12
    for serializer_class in inputs:
        assert issubclass(serializer_class, StrictSerializer), serializer_class


def test_unknown_fields_are_refused_in_every_apps_api(caseworker, clinician, facilitator):
    case = CaseFactory()
    assessment = HealthAssessmentFactory(individual=case.members.first())
    for user, url in (
        (caseworker, f"/api/v1/cases/{case.pk}/"),
        (caseworker, f"/api/v1/cases/{case.pk}/transitions/"),
        (caseworker, "/api/v1/interviews/"),
        (clinician, f"/api/v1/medical/assessments/{assessment.pk}/outcome/"),
        (clinician, "/api/v1/medical/vaccinations/"),
        (facilitator, "/api/v1/orientation/sessions/999/attendance/"),
    ):
        client = session_client(user)
        method = client.patch if url.endswith(f"/cases/{case.pk}/") else client.post
        response = method(url, {"surprise": 1}, format="json")
        if response.status_code == 404:  # the session does not exist: checked before the body
            continue
        assert_error_shape(response, 400, field="surprise")
    assert Case.objects.get(pk=case.pk).updated_at == case.updated_at


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_and_api_answers_with_personal_data_are_not_stored(caseworker, partner_token):
    case = CaseFactory()
    client = session_client(caseworker)
    for url in ("/", "/cases/", f"/api/v1/cases/{case.pk}/", "/api/v1/cases/"):
        response = client.get(url, follow=False)
        assert response.status_code == 200, url
        assert _no_store(response), url
    # Refusals and token callers too: the answer may still name a record.
    assert _no_store(client.patch(f"/api/v1/cases/{case.pk}/", {"x": 1}, format="json"))
    from tests.api.conftest import bearer

    response = bearer(partner_token()).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert _no_store(response)


def test_the_public_api_description_may_be_cached(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert not _no_store(response)


def test_dates_outside_the_years_the_office_can_mean_are_refused(caseworker, clinician):
    case = CaseFactory()
    before = snapshot()
    response = session_client(caseworker).patch(
        f"/api/v1/cases/{case.pk}/", {"referral_date": "1152-10-20"}, format="json"
    )
    assert_error_shape(response, 400, field="referral_date")
    assessment = HealthAssessmentFactory(individual=case.members.first())
    response = session_client(clinician).patch(
        f"/api/v1/medical/assessments/{assessment.pk}/",
        {"scheduled_for": "1152-10-20T02:15:25+02:00"},
        format="json",
    )
    assert_error_shape(response, 400, field="scheduled_for")
    assert snapshot() == before


def test_every_kind_of_refusal_answers_in_the_one_error_shape(caseworker, partner_token):
    from tests.api.conftest import bearer

    case = CaseFactory()
    client = session_client(caseworker)
    assert_error_shape(APIClient().get("/api/v1/cases/"), 401)
    assert_error_shape(bearer(partner_token(scopes="cases:read")).post("/api/v1/interviews/"), 403)
    assert_error_shape(client.get("/api/v1/no-such-thing/"), 404)
    assert_error_shape(client.get(f"/api/v1/cases/{case.pk + 10**6}/"), 404)
    assert_error_shape(client.put(f"/api/v1/cases/{case.pk}/", {}, format="json"), 405)
    assert_error_shape(client.get("/api/v1/cases/", HTTP_ACCEPT="text/csv"), 406)
    response = client.patch(f"/api/v1/cases/{case.pk}/", "notes=x", content_type="text/plain")
    assert_error_shape(response, 415)
    response = client.patch(f"/api/v1/cases/{case.pk}/", "{", content_type="application/json")
    assert_error_shape(response, 400)


def test_django_refusals_before_any_view_answer_in_the_error_shape(rf):
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

    from config.errors import refused

    response = refused(rf.post("/api/v1/cases/"), RequestDataTooBig())
    assert response.status_code == 413
    assert json.loads(response.content)["error"]["code"] == "request_too_large"
    response = refused(rf.get("/api/v1/cases/"), SuspiciousOperation())
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "bad_request"
    page = refused(rf.post("/cases/new/"), RequestDataTooBig())
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")


def test_a_model_validation_error_escaping_a_service_is_a_400_naming_the_field():
    from django.core.exceptions import ValidationError

    from core.api.errors import exception_handler

    response = exception_handler(ValidationError({"referral_date": ["In the future."]}), {})
    assert response.status_code == 400
    assert response.data["error"]["field"] == "referral_date"
    assert response.data["error"]["fields"] == {"referral_date": ["In the future."]}


def test_every_api_class_builds_on_the_base_and_declares_who_may_call():
    from core.api.permissions import declared_access
    from core.api.views import BaseApi

    resolver = get_resolver()
    classes = {
        resolver.resolve(
            "/" + route.replace("<int:pk>", "1").replace("<int:member_pk>", "1")
        ).func.cls
        for route in _api_routes()
    }
    assert len(classes) >= 20
    for view_class in classes:
        assert issubclass(view_class, BaseApi), view_class
        view = view_class()
        for method in view_class().allowed_methods:
            if method in ("OPTIONS", "HEAD"):
                continue
            assert declared_access(view, method).roles, (view_class, method)


PRODUCTION_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
body = json.dumps({"notes": "x" * (3 * 1024 * 1024)})
for method, url in (("patch", "/api/v1/cases/1/"), ("post", "/api/v1/cases/")):
    response = getattr(client, method)(url, body, content_type="application/json", secure=True)
    print(response.status_code, response["Content-Type"], response.content.decode())
"""


def test_a_3_mb_body_under_production_settings_answers_413_in_the_error_shape():
    import subprocess
    import sys

    from tests.config.test_production_settings import PRODUCTION_ENV, ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(PRODUCTION_ENV, DJANGO_ALLOWED_HOSTS="testserver")
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        status, content_type, body = line.split(" ", 2)
        assert (status, content_type) == ("413", "application/json")
        assert json.loads(body)["error"]["code"] == "request_too_large"
