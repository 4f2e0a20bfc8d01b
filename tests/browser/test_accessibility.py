"""Accessibility in the suite: axe-core (static/vendor/axe-core, from the npm package) runs on
every page each role can open, in every configured language, and any WCAG 2.2 AA violation fails.

The pages are found, not listed: every page of tests/page_world.py's walker that a role may GET
(movements, reports, partners), plus every page reached by following the links of the site from
each role's start page over a world of records (tests.page_world.world and a few more: a case
in each app's hands, an interview, an orientation session). A route of our HTML apps that no role
reached fails the test unless it is named below as not a page, so a new page is covered (or the
test says it is not) by construction.

Excluded: Swagger UI's own page (/api/docs/, drf-spectacular-sidecar's third-party page; the
README says so), the admin site (Django's own), and answers that are not HTML (files, JSON).

Speed: one browser; one context per role and language, axe added once per context as an init
script (CDP, so the content security policy does not block it); each role's pages in English,
and each distinct page once per other language (the role that opens it first) with every role's
start page (its menu) in every language.
"""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from cases.models import PartnerProfile
from core.landing import landing_page_url
from core.roles import Role
from orientation import services as orientation_services
from orientation.models import Curriculum
from tests import page_world
from tests.factories import InterviewFactory, user_with_role

pytestmark = pytest.mark.browser

AXE_SCRIPT = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

# Our HTML apps: every route of theirs is either reached by the walk or named below.
HTML_NAMESPACES = (
    "cases",
    "interviews",
    "medical",
    "orientation",
    "movements",
    "reports",
    "partners",
)
# Not pages: answers to a POST only, files, htmx fragments of a page already walked.
NOT_PAGES = {
    # POST only (page_world.ACCESS lists the movements, reports and partners ones).
    *(
        name
        for access in page_world.ACCESS.values()
        for name, (get, _p) in access.items()
        if not get
    ),
    "cases:step",
    "cases:member_remove",
    "medical:schedule",
    "medical:outcome",
    "medical:lab_result_add",
    "medical:vaccination_add",
    "medical:check_add",
    "medical:treatment_add",
    "medical:assessment_parts",
    "orientation:session_enroll",
    "orientation:enrollment_remove",
    "orientation:session_cancel",
    "orientation:attendance_record",
    # Files (opened by the tests that read them back).
    "movements:manifest_pdf",
    "movements:manifest_csv",
    "reports:run_file",
    "reports:year_file",
    "partners:referral_file_errors",
    "partners:referral_file_template",
    # Fragments polled by htmx inside reports:run (a panel each, never a page of their own).
    "reports:run_progress",
    "reports:run_changes",
    "reports:run_files",
}
SKIPPED_PREFIXES = ("/admin/", "/api/", "/o/", "/i18n/", "/static/", "/media/", "/accounts/logout")
ROLE_USERS = {
    Role.CASEWORKER: "caseworker",
    Role.CLINICIAN: "clinician",
    Role.ORIENTATION_FACILITATOR: "facilitator",
    Role.MOVEMENT_OFFICER: "movement_officer",
    Role.MANAGER: "manager",
    Role.PARTNER_SYSTEM: "partner",
    Role.ADMINISTRATOR: "administrator",
}
MAX_PAGES_PER_ROLE = 80
# The elements that stick out past the right edge of the screen (not inside a scrolling box).
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width + 1
               && !e.closest(".table-wrap, pre") && e.getClientRects().length)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                        + (e.className ? "." + String(e.className).replace(/ /g, ".") : ""))"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _walk(client: Client, seeds: list[str]) -> dict[str, str]:
    """The HTML pages this client can open from `seeds` by following links: {view name: path},
    one path per route (the first found)."""
    found: dict[str, str] = {}
    queue = list(seeds)
    seen: set[str] = set()
    while queue and len(found) < MAX_PAGES_PER_ROLE:
        # The query is kept (a drill-down cell, a filter) but one path per route is checked.
        parts = urlsplit(queue.pop(0))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        name = _view_name(parts.path)
        if (
            path in seen
            or name is None
            or name in found
            or name in NOT_PAGES
            or path.startswith(SKIPPED_PREFIXES)
        ):
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.redirect_chain:
            parts = urlsplit(response.redirect_chain[-1][0])
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            name = _view_name(parts.path)
        if (
            # A refusal that explains itself (a link with no cell, a bad token) is a page too.
            response.status_code not in (200, 400)
            or not response["Content-Type"].startswith("text/html")
            or name is None
            or name in found
        ):
            continue
        found[name] = path
        links = _Links()
        links.feed(response.content.decode())
        for href in links.hrefs:
            target = urlsplit(urljoin(path, href))
            if not target.netloc and target.path.startswith("/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def _world() -> tuple[dict, list[str]]:
    """The users of every role, and the seed pages of the walk over a world of records."""
    users = {role: user_with_role(role, username=name) for role, name in ROLE_USERS.items()}
    PartnerProfile.objects.create(user=users[Role.PARTNER_SYSTEM], organisation="UNHCR Rwanda")
    urls = page_world.world(
        users[Role.MOVEMENT_OFFICER], users[Role.MANAGER], users[Role.CASEWORKER]
    )
    seeds = [page_world.url_of(name, kwargs) for name, kwargs in urls.items()]
    # A case before its interview, and an orientation session with a household enrolled.
    interview = InterviewFactory()
    seeds += [
        reverse("interviews:outcome", args=[interview.pk]),
        reverse("interviews:reschedule", args=[interview.pk]),
        reverse("interviews:schedule", args=[interview.case_id]),
        reverse("cases:detail", args=[interview.case_id]),
    ]
    curriculum = Curriculum.objects.get(destination_country__iso_code="USA")
    session = orientation_services.session_plan(
        actor=users[Role.ORIENTATION_FACILITATOR],
        curriculum=curriculum,
        start_date=timezone.localdate() + datetime.timedelta(days=3),
        day_dates=None,
        venue="Mahama community hall",
        language="Kinyarwanda",
        facilitator=users[Role.ORIENTATION_FACILITATOR],
        capacity=30,
    )
    seeds += [
        reverse("orientation:session_detail", args=[session.pk]),
        reverse("orientation:attendance_day", args=[session.pk, 1]),
    ]
    return users, seeds


def _axe(tab, url: str) -> list[str]:
    tab.goto(url)
    tab.wait_for_load_state("load")
    return _axe_here(tab)


def _axe_here(tab) -> list[str]:
    """The WCAG 2.2 AA violations of the page as it is now."""
    result = tab.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                    resultTypes: ["violations"]})""",
        WCAG_22_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def _context(chromium, live_server, user, language: str, viewport=LAPTOP):
    """A browser context signed in as `user` (None: no one) in `language`, with axe loaded on
    every page it opens."""
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        )
    context = chromium.new_context(viewport=viewport, base_url=live_server.url)
    context.add_cookies(cookies)
    context.add_init_script(path=str(AXE_SCRIPT))
    return context


def test_every_page_of_every_role_in_every_language_passes_axe(
    chromium, live_server, reference_data
):
    users, seeds = _world()
    pages: dict[str, dict[str, str]] = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        # The start page first: "/" goes to the role's own (core.landing).
        pages[role] = _walk(client, ["/", *seeds])

    reached = {name for found in pages.values() for name in found}
    routes = {
        f"{namespace}:{name}"
        for namespace in HTML_NAMESPACES
        for name in page_world.url_names(namespace)
    }
    assert sorted(routes - reached - NOT_PAGES) == [], (
        "pages no role reached: add them to the world"
    )

    failures = []
    checked = 0
    for code, _language in settings.LANGUAGES:
        done: set[str] = set()
        for role, found in pages.items():
            start = next(iter(found))
            todo = [
                path
                for name, path in found.items()
                if code == settings.LANGUAGE_CODE or name not in done or name == start
            ]
            done.update(found)
            context = _context(chromium, live_server, users[role], code)
            tab = context.new_page()
            tab.set_default_timeout(15_000)
            for path in todo:
                checked += 1
                failures += [f"{code} {role} {path}: {v}" for v in _axe(tab, path)]
            context.close()
        # Pages outside the walk: the login page (no one signed in), the refusal and the
        # missing page (as a role the first refuses).
        context = _context(chromium, live_server, None, code)
        tab = context.new_page()
        failures += [f"{code} anonymous login: {v}" for v in _axe(tab, reverse("login"))]
        context.close()
        context = _context(chromium, live_server, users[Role.PARTNER_SYSTEM], code)
        tab = context.new_page()
        for path in (reverse("cases:list"), "/no-such-page/"):
            failures += [f"{code} partner {path}: {v}" for v in _axe(tab, path)]
        context.close()
        checked += 3
    print(f"axe: {checked} page checks, {sum(map(len, pages.values()))} role pages")
    assert checked > 60
    assert failures == [], "\n".join(failures)


def test_each_role_start_page_passes_axe_on_a_phone(chromium, live_server, reference_data):
    failures = []
    for role, name in ROLE_USERS.items():
        user = user_with_role(role, username=name)
        if role == Role.PARTNER_SYSTEM:
            PartnerProfile.objects.create(user=user, organisation="UNHCR Rwanda")
        context = _context(chromium, live_server, user, "en", viewport=PHONE)
        tab = context.new_page()
        failures += [f"{role}: {v}" for v in _axe(tab, "/")]
        # "/" took the role to its own start page (core.landing).
        assert urlsplit(tab.url).path == landing_page_url(user), role
        # The menu fits the screen: closed behind its button, open on a tap, nothing off screen.
        toggle = tab.get_by_role("button", name="Menu")
        assert toggle.get_attribute("aria-expanded") == "false"
        menu = tab.locator("#main-menu")
        assert not menu.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert menu.is_visible()
        wide = tab.evaluate(WIDER_THAN_THE_SCREEN, PHONE["width"])
        assert wide == [], f"{role}: wider than the screen: {wide}"
        for link in menu.get_by_role("link").all():
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], role
            assert box["height"] >= 24, role
        failures += [f"{role} (menu open): {v}" for v in _axe_here(tab)]
        context.close()
    assert failures == [], "\n".join(failures)


def test_after_a_refused_save_focus_is_on_the_error_summary(chromium, live_server, reference_data):
    caseworker = user_with_role(Role.CASEWORKER, username="caseworker")
    interview = InterviewFactory()
    context = _context(chromium, live_server, caseworker, "en")
    tab = context.new_page()
    tab.goto(reverse("interviews:schedule", args=[interview.case_id]))
    tab.get_by_role("button", name="Schedule").click()
    tab.wait_for_load_state("load")
    assert tab.evaluate("document.activeElement.id") == "error-summary"
    invalid = tab.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for field in invalid.all():
        described = field.get_attribute("aria-describedby")
        assert described, field.get_attribute("name")
        messages = [tab.locator(f"#{ref}").inner_text() for ref in described.split()]
        assert any(m.strip() for m in messages)
    assert _axe_here(tab) == []
    context.close()


def test_the_gate_sees_a_violation(chromium, live_server, reference_data):
    """axe is really loaded and really reports: an image without a text alternative fails."""
    context = _context(chromium, live_server, user_with_role(Role.CASEWORKER), "en")
    tab = context.new_page()
    tab.goto(reverse("login"))
    tab.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x.png>')"
    )
    assert any(v.startswith("image-alt ") for v in _axe_here(tab))
    context.close()
