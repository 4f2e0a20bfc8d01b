"""Logging in and out, the session ending after inactivity, the lock after wrong passwords, and
who may open the browser pages at all."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CaseFactory, UserFactory

PASSWORD = "correct horse battery staple"
LOGIN = reverse("login")


def _login(client, username, password, address="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _pages(case):
    return [
        reverse("cases:dashboard"),
        reverse("cases:list"),
        reverse("cases:create"),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:edit", args=[case.pk]),
    ]


def test_the_login_page_has_labelled_inputs(client, db):
    page = client.get(LOGIN).content.decode()
    assert '<label for="id_username">' in page
    assert '<label for="id_password">' in page


def test_a_caseworker_logs_in_and_lands_on_the_dashboard(client, caseworker):
    response = _login(client, "caseworker", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:dashboard")
    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, caseworker):
    response = _login(client, "caseworker", "not the password")

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_ends_the_session(client, caseworker):
    client.force_login(caseworker)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(reverse("cases:list")).status_code == 302


def test_every_page_asks_a_stranger_to_log_in(client, db):
    case = CaseFactory()
    for url in _pages(case):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next=")


def test_five_wrong_passwords_lock_that_user_from_that_address_only(client, caseworker):
    UserFactory(username="colleague")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "caseworker", "wrong", address="10.1.1.1")

    locked = _login(client, "caseworker", PASSWORD, address="10.1.1.1")
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # A colleague in the same office (same public address) can still log in...
    colleague = _login(client, "colleague", PASSWORD, address="10.1.1.1")
    assert colleague.status_code == 302
    client.post(reverse("logout"))
    # ...and so can the same user from another address.
    elsewhere = _login(client, "caseworker", PASSWORD, address="10.9.9.9")
    assert elsewhere.status_code == 302


def test_four_wrong_passwords_do_not_lock(client, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "caseworker", "wrong")

    assert _login(client, "caseworker", PASSWORD).status_code == 302


def test_the_session_ends_after_an_hour_without_activity(client, caseworker):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(caseworker)
        assert client.session.get_expiry_age() == 60 * 60

        traveller.shift(datetime.timedelta(minutes=50))
        assert client.get(reverse("cases:list")).status_code == 200
        # Activity moves the end: 100 minutes after logging in, still in.
        traveller.shift(datetime.timedelta(minutes=50))
        assert client.get(reverse("cases:list")).status_code == 200

        traveller.shift(datetime.timedelta(minutes=61))
        response = client.get(reverse("cases:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_activity_moves_the_sessions_end_at_most_once_a_minute(client, caseworker):
    """Pages within a minute of the last move write nothing; the next one moves the end."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(caseworker)
        key = client.session.session_key

        def expires():
            return Session.objects.get(session_key=key).expire_date

        at_login = expires()
        traveller.shift(datetime.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:list")).status_code == 200
        assert not [q for q in captured if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        assert expires() == at_login

        traveller.shift(datetime.timedelta(seconds=31))
        assert client.get(reverse("cases:list")).status_code == 200
        assert expires() == at_login + datetime.timedelta(seconds=61)


def test_an_anonymous_visit_creates_no_session(client, db):
    client.get(LOGIN)
    client.get(reverse("cases:list"))
    assert Session.objects.count() == 0


def test_the_session_cookie_does_not_outlive_the_browser(client, caseworker):
    response = _login(client, "caseworker", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]


@pytest.mark.parametrize("kind", ["partner", "no_role"])
def test_accounts_that_are_not_mission_staff_get_403_on_every_page(client, partner, kind):
    user = partner if kind == "partner" else UserFactory(username="nobody")
    case = CaseFactory()
    client.force_login(user)

    for url in _pages(case):
        # "/" sends a partner system's account to its own page (core.landing), never a 403.
        expected = 302 if kind == "partner" and url == reverse("cases:dashboard") else 403
        assert client.get(url).status_code == expected, url


def test_anyone_chooses_the_language_of_the_pages(client, caseworker):
    """The footer's form (Django's set_language) remembers the choice in a cookie."""
    client.force_login(caseworker)
    page = client.get(reverse("cases:list")).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<option value="fr" lang="fr">français</option>' in page

    response = client.post(
        reverse("set_language"), {"language": "fr", "next": reverse("cases:list")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:list")
    french = client.get(reverse("cases:list")).content.decode()
    assert '<html lang="fr">' in french
    assert "<h1>Dossiers</h1>" in french
