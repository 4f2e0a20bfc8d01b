"""`make test` never uses a shared database or Redis of the machine by default: its own database
names derived from the checkout, and the checkout's own embedded Redis (scripts/services.py)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "CELERY_BROKER_URL")


@pytest.fixture
def services(monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import services
    finally:
        sys.path.pop(0)
    for name in (*SHARED, "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    created = []
    monkeypatch.setattr(services, "machine_postgres_answers", lambda: True)
    monkeypatch.setattr(services, "tcp_answers", lambda *a, **k: True)  # a machine Redis too
    monkeypatch.setattr(
        services, "ensure_database", lambda conninfo, name="resettle": created.append(name)
    )
    monkeypatch.setattr(services, "start_postgres", lambda: ("postgres://embedded/resettle", False))
    monkeypatch.setattr(services, "start_redis", lambda: False)
    services.created = created
    return services


def test_two_checkouts_get_different_names_and_one_checkout_the_same(services):
    one = services.checkout_database_names(Path("/work/a/resettle"))
    other = services.checkout_database_names(Path("/work/b/resettle"))
    assert one != other
    assert one == services.checkout_database_names(Path("/work/a/resettle"))
    assert one[0].startswith("resettle_resettle_")
    assert one[1] == "test_" + one[0]
    assert len(one[1]) < 63  # PostgreSQL's limit on names


def test_make_test_uses_its_own_database_and_redis(services):
    database, test_database = services.checkout_database_names()
    chosen = services.choose(use_machine_servers=True)

    assert chosen.env["DATABASE_URL"] == f"postgres://postgres@127.0.0.1:5432/{database}"
    assert chosen.env["TEST_DATABASE_NAME"] == test_database
    assert services.created == [database]
    # The checkout's embedded Redis on its socket, database 1, even though 6379 answers.
    assert chosen.env["REDIS_URL"] == f"unix://{services.REDIS_SOCKET}?db=1"
    assert chosen.env["CELERY_BROKER_URL"].endswith("?virtual_host=1")
    assert "6379" not in " ".join(chosen.env.values())


def test_the_environment_still_wins(services, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mine")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    monkeypatch.setenv("TEST_DATABASE_NAME", "test_mine")
    chosen = services.choose(use_machine_servers=True)
    assert chosen.env == {}
    assert services.created == []


def test_make_run_keeps_redis_database_0(services):
    chosen = services.choose(use_machine_servers=False)
    assert chosen.env["REDIS_URL"].endswith("?db=0")
