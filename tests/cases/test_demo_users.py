"""Demo accounts: one per role, in the role's group, a known password, refused on real servers."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.demo import DEMO_PASSWORD, DEMO_USERS
from cases.models import PartnerProfile
from cases.roles import Role, roles_of

pytestmark = pytest.mark.django_db

User = get_user_model()


def _run(*args):
    out = io.StringIO()
    call_command("demo_users", *args, stdout=out)
    return out.getvalue()


def test_each_role_gets_one_demo_account_in_its_group(settings):
    settings.DEBUG = True
    _run()
    for role, username, *_names in DEMO_USERS:
        user = User.objects.get(username=username)
        assert roles_of(user) == {role.value}
        assert user.check_password(DEMO_PASSWORD)
    assert {r for r, *_rest in DEMO_USERS} == set(Role)


def test_only_the_administrator_may_use_the_admin_site(settings):
    settings.DEBUG = True
    _run()
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    superusers = set(User.objects.filter(is_superuser=True).values_list("username", flat=True))
    assert staff == superusers == {"admin"}


def test_the_partner_account_stands_for_unhcr_rwanda(settings):
    settings.DEBUG = True
    _run()
    profile = PartnerProfile.objects.get(user__username="partner")
    assert profile.organisation == "UNHCR Rwanda"
    assert profile.country is None


def test_the_table_lists_role_username_password_and_the_login_address(settings):
    settings.DEBUG = True
    text = _run()
    assert "http://127.0.0.1:8000/accounts/login/" in text
    for role, username, *_names in DEMO_USERS:
        assert role.value in text
        assert username in text
    assert text.count(DEMO_PASSWORD) == len(DEMO_USERS)


def test_a_rerun_creates_nothing_new_and_resets_the_password(settings):
    settings.DEBUG = True
    _run()
    user = User.objects.get(username="caseworker")
    user.set_password("something else entirely")
    user.save()
    before = User.objects.count()
    text = _run()
    assert User.objects.count() == before
    assert PartnerProfile.objects.count() == 1
    assert "created" not in text
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
    assert user.groups.count() == 1


def test_the_password_can_be_given_or_taken_from_the_environment(settings, monkeypatch):
    settings.DEBUG = True
    _run("--password", "another-demo-pass-77")
    assert User.objects.get(username="manager").check_password("another-demo-pass-77")
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment-9")
    _run()
    assert User.objects.get(username="manager").check_password("from-the-environment-9")


def test_demo_accounts_can_log_in(settings, rf):
    settings.DEBUG = True
    _run()
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="movements", password=DEMO_PASSWORD) is not None


def test_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _run()
    assert not User.objects.filter(username__in=[u for _r, u, *_n in DEMO_USERS]).exists()


def test_force_runs_even_when_debug_is_off(settings):
    settings.DEBUG = False
    _run("--force")
    assert User.objects.filter(username="admin", is_superuser=True).exists()
