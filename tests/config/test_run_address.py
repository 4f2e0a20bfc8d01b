"""`make run` on another address: the address given is the one printed, the one the site answers
at and the one in every link the app sends (scripts/run.py works it out; settings read it)."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent.parent


def _run_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run
    finally:
        sys.path.pop(0)
    return run


def _settings_under(env: dict[str, str]) -> dict:
    """The settings `make run`'s processes start with, under the environment run.py gives them."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({'PUBLIC_BASE_URL': settings.PUBLIC_BASE_URL, "
        "'ALLOWED_HOSTS': settings.ALLOWED_HOSTS}))"
    )
    clean = {
        k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "DJANGO_ALLOWED_HOSTS")
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_default_address_is_unchanged():
    run = _run_module()
    env = run.run_settings(None, {})
    assert env["RUN_ADDRESS"] == "127.0.0.1:8000"
    assert env["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"


def test_this_machine_is_named_by_a_name_others_can_reach(monkeypatch):
    run = _run_module()
    monkeypatch.setattr(run.socket, "getfqdn", lambda *a: "localhost")
    monkeypatch.setattr(run.socket, "gethostname", lambda: "vm")
    address = run.machine_address()
    # The interface's address (or, on a machine with no network at all, its host name).
    assert address != "localhost"
    assert not address.startswith("127.")


def test_a_port_alone_is_served_on_this_machine_only():
    assert _run_module().run_settings("8081", {})["RUN_ADDRESS"] == "127.0.0.1:8081"


def test_another_address_is_printed_answered_and_put_in_links(monkeypatch):
    run = _run_module()
    monkeypatch.setattr(run, "machine_address", lambda: "office-laptop.lan")
    env = run.run_settings("0.0.0.0:8080", {})

    assert env["RUN_ADDRESS"] == "0.0.0.0:8080"
    assert env["PUBLIC_BASE_URL"] == "http://office-laptop.lan:8080"
    message = run.ready_message(env["PUBLIC_BASE_URL"])
    assert "http://office-laptop.lan:8080/accounts/login/" in message
    assert "127.0.0.1:8000" not in message

    started = _settings_under(env)
    assert started["PUBLIC_BASE_URL"] == "http://office-laptop.lan:8080"
    assert "office-laptop.lan" in started["ALLOWED_HOSTS"]


def test_a_public_base_url_wins_for_links_and_hosts():
    run = _run_module()
    env = run.run_settings("127.0.0.1:8080", {"PUBLIC_BASE_URL": "https://cases.example.org/"})
    assert env["RUN_ADDRESS"] == "127.0.0.1:8080"
    assert env["PUBLIC_BASE_URL"] == "https://cases.example.org"
    assert "https://cases.example.org/accounts/login/" in run.ready_message(env["PUBLIC_BASE_URL"])
    assert "cases.example.org" in _settings_under(env)["ALLOWED_HOSTS"]


@pytest.mark.parametrize("address", ["nonsense", "host:port", "127.0.0.1:0", "1.2.3.4:70000"])
def test_a_wrong_address_is_refused(address):
    with pytest.raises(ValueError, match="not an address"):
        _run_module().run_settings(address, {})


def test_the_demo_logins_name_the_address(db, capsys):
    with override_settings(PUBLIC_BASE_URL="http://office-laptop.lan:8080", DEBUG=True):
        call_command("demo_users")
    out = capsys.readouterr().out
    assert "Log in at http://office-laptop.lan:8080/accounts/login/" in out
    assert "127.0.0.1:8000" not in out


def test_the_notice_email_links_to_the_address(
    movement_officer, django_capture_on_commit_callbacks
):
    from movements.notices import services as notices
    from tests.movements.booked import booked_case, mission

    mission()
    booking = booked_case(day=timezone.localdate() + datetime.timedelta(days=10))
    with (
        override_settings(PUBLIC_BASE_URL="http://office-laptop.lan:8080"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notices.notice_send(actor=movement_officer, booking=booking)
    [message] = mail.outbox
    assert re.search(r"http://office-laptop\.lan:8080/movements/notices/ack/\S+/", message.body)
    assert "127.0.0.1:8000" not in message.body


@pytest.mark.parametrize(("stopped_by", "exit_code"), [(130, 0), (143, 0), (1, 1), (None, 0)])
def test_ctrl_c_ends_make_run_cleanly(monkeypatch, stopped_by, exit_code):
    """Honcho stops the web server, the worker and beat on Ctrl-C and answers 130: `make run`
    then exits 0, as a run meant to end that way."""
    import honcho.manager

    run = _run_module()
    started = []

    class Manager:
        def __init__(self, printer):
            self.returncode = None

        def add_process(self, name, command, env, cwd):
            started.append(name)

        def loop(self):
            self.returncode = stopped_by

    monkeypatch.setattr(honcho.manager, "Manager", Manager)
    env = run.run_settings("127.0.0.1:1", {})
    assert run.serve(env) == exit_code
    assert started == ["web", "worker", "beat"]
