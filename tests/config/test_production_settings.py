"""Production settings: `check --deploy` is clean, and missing secrets stop the app at once."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "resettle.example.org",
    # Never reached: the deploy checks must not need a database connection.
    "DATABASE_URL": "postgres://resettle:secret@db.invalid:5432/resettle",
    # Pinned so that a developer's .env cannot weaken what is checked.
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": str(60 * 60 * 24 * 365),
}


def run_deploy_check(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(PRODUCTION_ENV)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_reports_no_issue_with_the_required_environment():
    result = run_deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_a_required_variable(variable):
    # Empty rather than unset, so that a value in a developer's .env cannot fill it in.
    result = run_deploy_check(**{variable: ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable} must" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_deploy_check(DJANGO_SECRET_KEY="too-short")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must" in result.stderr


def test_production_refuses_a_database_other_than_postgresql():
    result = run_deploy_check(DATABASE_URL="sqlite:////tmp/resettle.sqlite3")

    assert result.returncode != 0
    assert "Only PostgreSQL is supported" in result.stderr
