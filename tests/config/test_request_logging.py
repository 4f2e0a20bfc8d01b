"""A refused request is logged once, without a traceback; a server error keeps its traceback."""

import io
import logging

import pytest
from django.conf import settings
from django.urls import reverse

from core.request_log import RefusedRequestFilter

LOGGERS = ("django.request", "django.security", "django.server")


@pytest.fixture
def log():
    """What the console handler of settings.LOGGING would print, with its filters."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        spec = settings.LOGGING["filters"][name]
        assert spec["()"] == "core.request_log.RefusedRequestFilter"
        handler.addFilter(RefusedRequestFilter())
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    yield stream
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)


def test_the_console_handler_filters_refusals():
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["refusals"]


def test_a_refused_page_is_logged_once_without_traceback(client, partner, log):
    client.force_login(partner)
    assert client.get(reverse("cases:list")).status_code == 403
    lines = log.getvalue().splitlines()
    assert lines == [
        "WARNING django.request Forbidden (Permission denied): /cases/ (PermissionDenied)"
    ]


def test_a_missing_page_is_logged_once(client, caseworker, log):
    client.force_login(caseworker)
    assert client.get("/cases/999999999/").status_code == 404
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    assert "Traceback" not in log.getvalue()


def test_a_bad_host_is_logged_once_without_traceback(client, db, log):
    assert client.get("/accounts/login/", HTTP_HOST="evil.example").status_code == 400
    text = log.getvalue()
    assert text.count("\n") == 1
    assert "Invalid HTTP_HOST header" in text
    assert "Traceback" not in text


def test_an_api_refusal_is_logged_once(client, db, log):
    assert client.get("/api/v1/cases/").status_code in (401, 403)
    assert len(log.getvalue().splitlines()) == 1
    assert "Traceback" not in log.getvalue()


def test_the_development_server_does_not_repeat_a_refusal():
    server = logging.getLogger("django.server")
    refused = server.makeRecord(
        "django.server",
        logging.WARNING,
        __file__,
        1,
        '"GET /cases/ HTTP/1.1" 403 10',
        (),
        None,
        extra={"status_code": 403},
    )
    served = server.makeRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET / HTTP/1.1" 200 10',
        (),
        None,
        extra={"status_code": 200},
    )
    assert RefusedRequestFilter().filter(refused) is False
    assert RefusedRequestFilter().filter(served) is True


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: /x",
            (),
            sys.exc_info(),
            extra={"status_code": 500},
        )
    assert RefusedRequestFilter().filter(record) is True
    assert record.exc_info is not None


def test_django_logs_only_through_our_handler():
    """Django's default console handler (DEBUG on, as under `make run`) would print a refusal
    a second time, with its traceback."""
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate is True
    server = logging.getLogger("django.server").handlers
    assert [type(f) for h in server for f in h.filters] == [RefusedRequestFilter]
