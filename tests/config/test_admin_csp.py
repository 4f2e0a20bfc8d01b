"""The admin site works under the Content Security Policy: every script and style sheet it uses
is a file served from here, never inline markup the policy would block (script-src and
style-src 'self': no <script> body, no <style>, no style="" or on...="" attribute)."""

from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cases.models import Location
from core.roles import Role
from medical.models import MedicalProtocol
from tests.factories import CaseFactory, UserFactory

# Script types a browser does not run (data islands), so the policy does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "text/template", "text/x-template"}


class Resources(HTMLParser):
    """What a page loads, and any inline code or style the policy would block."""

    def __init__(self):
        super().__init__()
        self.scripts, self.sheets, self.blocked = [], [], []
        self._inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...>")
        if tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            elif attrs.get("type") not in DATA_SCRIPT_TYPES:
                self._inline_script = True
        elif tag == "style":
            self.blocked.append("<style>")
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.sheets.append(attrs["href"])
        elif tag == "a" and (attrs.get("href") or "").startswith("javascript:"):
            self.blocked.append("<a href=javascript:>")

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.blocked.append(f"<script>{data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False


@pytest.fixture
def administrator_client(client, db):
    client.force_login(
        UserFactory(username="admin-officer", is_staff=True, roles=[Role.ADMINISTRATOR])
    )
    return client


def admin_pages():
    camp = Location.objects.get(name="Kigeme")
    protocol = MedicalProtocol.objects.first()
    return [
        reverse("admin:index"),
        reverse("admin:cases_location_changelist"),
        reverse("admin:cases_location_change", args=[camp.pk]),
        reverse("admin:cases_location_add"),
        reverse("admin:medical_medicalprotocol_change", args=[protocol.pk]),  # a tabular inline
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_add"),  # the two-box permission chooser (SelectFilter2)
        reverse("admin:orientation_curriculum_changelist"),
        "/admin/pghistory/events/",  # a list with no actions
    ]


def _local_file_answers(client, url: str) -> bool:
    path = urlparse(url).path
    if path.startswith("/static/"):
        return finders.find(path.removeprefix("/static/")) is not None
    return client.get(url).status_code == 200


def test_every_admin_page_loads_its_scripts_and_styles_from_files_the_policy_allows(
    administrator_client,
):
    CaseFactory()
    for url in admin_pages():
        response = administrator_client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

        page = Resources()
        page.feed(response.content.decode())
        assert page.blocked == [], (url, page.blocked)
        assert page.scripts and page.sheets, url
        for resource in page.scripts + page.sheets:
            assert not urlparse(resource).netloc, (url, resource)  # nothing from elsewhere
            assert _local_file_answers(administrator_client, resource), (url, resource)


def test_a_change_saved_in_the_admin_under_the_policy(administrator_client):
    camp = Location.objects.get(name="Kigeme")
    response = administrator_client.post(
        reverse("admin:cases_location_change", args=[camp.pk]),
        {"name": "Kigeme", "kind": camp.kind, "district": "Nyamagabe", "is_open": "on"},
    )
    assert response.status_code == 302
    assert "Content-Security-Policy" in response
    camp.refresh_from_db()
    assert camp.district == "Nyamagabe"
