"""Every configured language serves every page, whichever way the browser asks for it, and
dates read one way per language (the formats in config/formats, Django's for French)."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.roles import Role
from tests.factories import CaseFactory, IndividualFactory, user_with_role

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

# (who asks, where): anonymous pages first, then each role's own pages.
PAGES = [
    (None, lambda case: reverse("login")),
    (None, lambda case: reverse("admin:login")),
    (Role.CASEWORKER, lambda case: reverse("cases:dashboard")),
    (Role.CASEWORKER, lambda case: reverse("cases:list")),
    (Role.CASEWORKER, lambda case: reverse("cases:list") + "?q=mu"),
    (Role.CASEWORKER, lambda case: case.get_absolute_url()),
    (Role.CASEWORKER, lambda case: reverse("cases:create")),
    (Role.CASEWORKER, lambda case: reverse("interviews:list")),
    (Role.CLINICIAN, lambda case: reverse("medical:today")),
    (Role.CLINICIAN, lambda case: reverse("medical:case", args=[case.pk])),
    (Role.CLINICIAN, lambda case: reverse("medical:expiring")),
    (Role.ORIENTATION_FACILITATOR, lambda case: reverse("orientation:session_list")),
    (Role.ADMINISTRATOR, lambda case: reverse("admin:index")),
    (Role.ADMINISTRATOR, lambda case: "/admin/pghistory/events/"),
    (Role.CASEWORKER, lambda case: reverse("api-case-list")),
    (Role.CASEWORKER, lambda case: reverse("api-case-detail", args=[case.pk])),
    # Swagger UI's own page (drf-spectacular): it is in English whatever the language.
    (None, lambda case: reverse("api-docs")),
]


@pytest.fixture
def case(db):
    case = CaseFactory(referral_date=datetime.date(2026, 3, 4))
    IndividualFactory(case=case, family_name="Mugisha")
    return case


@pytest.fixture
def signed_in(client, db):
    """A client signed in as a user of `role`, or anonymous for None."""
    users = {}

    def as_role(role):
        client.logout()
        if role is not None:
            if role not in users:
                users[role] = user_with_role(
                    role, username=f"lang-{role}", is_staff=role == Role.ADMINISTRATOR
                )
            client.force_login(users[role])
        return client

    return as_role


def _language_of(response) -> str | None:
    """The language a response is in: its Content-Language, and the page's own <html lang>
    agreeing with it where the page has one (our templates do; Swagger UI's does not)."""
    said = response.get("Content-Language")
    if response["Content-Type"].startswith("text/html"):
        found = re.search(r'<html lang="([^"]+)"', response.content.decode())
        swagger = response.wsgi_request.path == reverse("api-docs")
        if found and found.group(1) != said and not swagger:
            return f"{said} (page: {found.group(1)})"
    return said


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_page_answers_in_each_language_asked_by_the_browser(language, case, signed_in):
    for role, where in PAGES:
        url = where(case)
        response = signed_in(role).get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (language, url, response.status_code)
        assert _language_of(response) == language, (language, url)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_page_answers_in_each_language_kept_in_the_cookie(language, case, signed_in):
    for role, where in PAGES:
        url = where(case)
        client = signed_in(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, (language, url, response.status_code)
        assert _language_of(response) == language, (language, url)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_choosing_a_language_in_the_footer_serves_the_next_pages_in_it(language, case, signed_in):
    for role, where in PAGES:
        url = where(case)
        client = signed_in(role)
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        chosen = client.post(reverse("set_language"), {"language": language, "next": url})
        assert chosen.status_code == 302, (language, url)
        assert chosen["Location"] == url
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
        response = client.get(url)
        assert response.status_code == 200, (language, url, response.status_code)
        assert _language_of(response) == language, (language, url)


def test_the_footer_offers_each_configured_language(client):
    page = client.get(reverse("login")).content.decode()
    offered = re.findall(r'<option value="([^"]+)" lang=', page)
    assert offered == LANGUAGE_CODES


@pytest.mark.parametrize("unknown", ["xx", "zz-ZZ", "xx-YY", "english", "de", "'; DROP", ""])
def test_a_language_the_site_does_not_know_falls_back_to_english(unknown, case, signed_in):
    for role, where in PAGES:
        url = where(case)
        client = signed_in(role)
        by_header = client.get(url, HTTP_ACCEPT_LANGUAGE=unknown)
        assert by_header.status_code == 200, (unknown, url, by_header.status_code)
        assert _language_of(by_header) == "en", (unknown, url)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = unknown
        by_cookie = client.get(url)
        assert by_cookie.status_code == 200, (unknown, url, by_cookie.status_code)
        assert _language_of(by_cookie) == "en", (unknown, url)
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)


def test_choosing_an_unknown_language_in_the_footer_changes_nothing(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    refused = client.post(reverse("set_language"), {"language": "xx", "next": reverse("login")})
    assert refused.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert _language_of(client.get(reverse("login"))) == "fr"


def test_a_regional_variant_is_served_in_its_language(client):
    assert _language_of(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="rw-RW")) == "rw"
    assert _language_of(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="sw-TZ,sw;q=0.9")) == "sw"


def test_kinyarwanda_pages_read_in_kinyarwanda(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="rw")
    assert page.status_code == 200
    assert "Amadosiye yo gutuza impunzi" in page.content.decode()
    assert "Resettlement cases" not in page.content.decode()
    with translation.override("rw"):
        assert translation.gettext("Cases") == "Amadosiye"
        # The plural rule of the catalog's header is parsed: one and many read differently.
        assert translation.ngettext("%(num)d day", "%(num)d days", 1) == "umunsi %(num)d"
        assert translation.ngettext("%(num)d day", "%(num)d days", 3) == "iminsi %(num)d"


# How 4 March 2026 reads in each language, wherever a page shows that date.
REFERRAL_DATE_READS = {
    "en": "4 Mar 2026",
    "fr": "4 mars 2026",
    "rw": "04/03/2026",
    "sw": "4 Machi 2026",
}


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_a_date_reads_one_way_per_language_on_the_list_and_the_case_page(language, case, signed_in):
    client = signed_in(Role.CASEWORKER)
    for url in (reverse("cases:list"), case.get_absolute_url()):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert REFERRAL_DATE_READS[language] in page, (language, url)
        assert "2026-03-04" not in _visible_text(page), (language, url)


def test_every_configured_language_has_date_formats_of_its_own():
    from django.utils.formats import get_format

    for code in LANGUAGE_CODES:
        with translation.override(code):
            assert get_format("DATE_FORMAT")[0] in "dj", code  # the day first
            assert "H:i" in get_format("DATETIME_FORMAT"), code  # a 24-hour clock
            assert "%Y-%m-%d" in get_format("DATE_INPUT_FORMATS"), code
            assert "%m/%d/%Y" not in get_format("DATE_INPUT_FORMATS"), code


def _visible_text(page: str) -> str:
    """The page without its tags' attributes (a <time datetime="..."> holds ISO on purpose)."""
    return re.sub(r"<[^>]*>", " ", page)
