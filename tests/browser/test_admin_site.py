"""The admin site in a real browser under the Content Security Policy: its scripts run (the
widgets they build appear) and the browser reports no blocked script or style."""

import pytest
from playwright.sync_api import expect

from cases.models import Location
from core.roles import Role
from medical.models import MedicalProtocol
from orientation.models import Curriculum
from tests.conftest import load_all_reference_data
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_an_administrator_works_in_the_admin_with_nothing_blocked(page, transactional_db):
    load_all_reference_data()
    user = UserFactory(username="admin-officer", is_staff=True, roles=[Role.ADMINISTRATOR])
    user.set_password(PASSWORD)
    user.save()
    camp = Location.objects.get(name="Kigeme")
    protocol = MedicalProtocol.objects.get(programme__code="USRAP")
    curriculum = Curriculum.objects.order_by("pk").first()

    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # The two-box permission chooser is built by SelectFilter2.js.
    page.goto("/admin/auth/group/add/")
    expect(page.locator("#id_permissions_input")).to_be_visible()
    expect(page.locator("#id_permissions_add_all")).to_be_visible()

    # A tabular inline: "Add another" is written by inlines.js.
    page.goto(f"/admin/medical/medicalprotocol/{protocol.pk}/change/")
    expect(page.locator(".add-row a").first).to_be_visible()

    # The change list's filters (filters.js) and changes saved.
    page.goto("/admin/cases/location/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    page.goto(f"/admin/cases/location/{camp.pk}/change/")
    page.get_by_label("District").fill("Nyamagabe")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(f"/admin/orientation/curriculum/{curriculum.pk}/change/")
    page.get_by_label("Minimum age").fill("14")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The audit trail, in words: who, what, and the field changed.
    page.goto("/admin/pghistory/events/")
    newest = page.locator("#result_list tbody tr").first
    expect(newest).to_contain_text("admin-officer")
    expect(newest).to_contain_text(f"Orientation curriculum {curriculum.pk} changed")
    expect(newest).to_contain_text(f"minimum age: {curriculum.minimum_age} → 14")

    camp.refresh_from_db()
    assert camp.district == "Nyamagabe"
    # Every script, style sheet and image the pages asked for was there (the browser's own
    # favicon.ico request is not one of the page's), and the policy blocked nothing.
    assert missing == []
    assert [
        e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e
    ] == []
