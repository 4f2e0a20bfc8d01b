import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

MINE = (
    "/api/v1/cases/",
    "/api/v1/individuals/",
    "/api/v1/countries/",
    "/api/v1/programmes/",
    "/api/v1/locations/",
)


def _schema():
    out = StringIO()
    # --fail-on-warn: any warning (unresolvable type, enum clash, ...) fails the test.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_openapi_schema_is_valid_and_documents_every_error():
    schema = _schema()
    mine = {path: ops for path, ops in schema["paths"].items() if path.startswith(MINE)}
    assert len(mine) == 13
    for path, operations in mine.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "patch"):
                assert "400" in codes, (method, path)
                assert set(operation["requestBody"]["content"]) == {"application/json"}
                assert {"413", "415"} <= codes, (method, path)
            for code in codes - {"200", "201", "204"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    transitions = mine["/api/v1/cases/{id}/transitions/"]["post"]
    assert "409" in transitions["responses"]
    # No partner system takes a workflow step: the schema offers no token for it.
    assert transitions["security"] == [{"cookieAuth": []}]
    assert "partner_system" not in transitions["x-roles"]
    assert "Partner systems' tokens are refused." in transitions["description"]
    assert mine["/api/v1/cases/"]["get"]["security"][0] == {"oauth2": ["cases:read"]}
    assert mine["/api/v1/cases/"]["post"]["security"][0] == {"oauth2": ["cases:write"]}
    assert "partner_system" in mine["/api/v1/cases/"]["post"]["x-roles"]
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/o/token/"


def test_the_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/cases/" in response.content


def test_the_docs_page_loads_only_local_assets_under_the_strict_policy(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # No inline script or style: every script has a src, no <style> block, no style="".
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert "style=" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    script_url = next(u for u in urls if "script" in u and u.startswith("/api/docs/"))
    init = client.get(script_url.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in init.content
    assert b"/api/schema/" in init.content


def test_the_swagger_assets_are_served_locally(client, settings):
    from django.contrib.staticfiles import finders

    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}")


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _nullable(node) -> bool:
    return node.get("nullable") is True or any(
        option.get("type") == "null" for option in node.get("anyOf", node.get("oneOf", []))
    )


def test_the_schema_says_what_the_answers_hold():
    schema = _schema()
    components = schema["components"]["schemas"]
    assert _nullable(components["CaseListOut"]["properties"]["caseworker"])
    assert _nullable(components["CaseEventOut"]["properties"]["actor"])
    decision = components["InterviewOut"]["properties"]["decision"]
    allowed = set()
    for option in decision.get("oneOf", [decision]):
        allowed |= set(_resolve(schema, option).get("enum", []))
    assert {"", "approved", "denied"} <= allowed
    for path in (
        "/api/v1/medical/assessments/",
        "/api/v1/medical/vaccinations/",
        "/api/v1/medical/pre-embarkation-checks/",
        "/api/v1/medical/clearances/expiring/",
        "/api/v1/orientation/sessions/",
        "/api/v1/interviews/",
    ):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = _resolve(schema, ok["schema"])
        assert page["type"] == "object", path
        assert {"count", "next", "previous", "results"} <= set(page["properties"]), path


def test_the_schema_offers_partners_only_what_they_may_do():
    paths = _schema()["paths"]
    # The support centre's system schedules interviews (issue 11; the service checks that the
    # partner is the support centre).
    schedule = paths["/api/v1/interviews/"]["post"]
    assert {"oauth2": ["interviews:write"]} in schedule["security"]
    assert "partner_system" in schedule["x-roles"]
    outcome = paths["/api/v1/interviews/{id}/outcome/"]["post"]
    assert {"oauth2": ["interviews:write"]} in outcome["security"]
    assert "partner_system" in outcome["x-roles"]
    detail = paths["/api/v1/medical/assessments/{id}/"]
    for method in ("get", "patch", "delete"):
        assert detail[method]["security"] == [{"cookieAuth": []}], method
        assert detail[method]["x-roles"] == ["clinician"], method
    assert {"oauth2": ["medical:read"]} in paths["/api/v1/medical/assessments/"]["get"]["security"]
