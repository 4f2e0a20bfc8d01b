"""Demo accounts: one per role, in the role's group, a known password, refused on real servers."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cases.choices import EventKind
from cases.demo import DEMO_PASSWORD, DEMO_USERS
from cases.models import Case, CaseEvent, PartnerProfile
from core.roles import Role, roles_of

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


def test_only_the_administrator_may_use_the_admin_site_by_the_role_s_permissions(settings):
    settings.DEBUG = True
    _run()
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin"}
    # No superuser: a superuser would see what the administrator role may not (medical records).
    assert not User.objects.filter(is_superuser=True).exists()
    admin = User.objects.get(username="admin")
    assert admin.has_perm("cases.change_location")
    assert admin.has_perm("pghistory.view_events")
    assert not admin.has_perm("medical.view_healthassessment")


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
    assert User.objects.filter(username="admin", is_staff=True).exists()


def test_demo_cases_without_a_caseworker_go_to_the_demo_caseworker(settings, client):
    from cases.demo import demo_data_load

    settings.DEBUG = True
    demo_data_load(cases=6)  # before the accounts exist: nobody to assign them to
    assert not Case.objects.filter(caseworker__isnull=False).exists()

    _run()

    caseworker = User.objects.get(username="caseworker")
    assert Case.objects.filter(caseworker=caseworker).count() == 6
    handed = CaseEvent.objects.filter(kind=EventKind.UPDATED, data__fields=["caseworker"])
    assert handed.count() == 6
    client.force_login(caseworker)
    desk = client.get(reverse("cases:dashboard"))
    assert desk.status_code == 200
    assert desk.context["my_total"] == 6
    _run()  # a rerun hands over nothing twice
    assert handed.count() == 6


def test_demo_data_loaded_after_the_accounts_is_assigned_as_it_is_written(settings):
    from cases.demo import demo_data_load

    settings.DEBUG = True
    _run()
    demo_data_load(cases=4)
    caseworker = User.objects.get(username="caseworker")
    assert Case.objects.filter(caseworker=caseworker).count() == 4
