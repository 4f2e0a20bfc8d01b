"""The files that run the project: compose file, image, configuration example, local servers."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import environ
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"web", "worker", "beat"}


def compose_file():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_postgres_and_redis_from_one_image():
    services = compose_file()["services"]

    assert APP_SERVICES | {"postgres", "redis"} <= set(services)
    app_images = {(services[name]["image"], str(services[name]["build"])) for name in APP_SERVICES}
    assert len(app_images) == 1
    assert services["web"]["build"]["dockerfile"] == "Dockerfile"
    assert "gunicorn" in services["web"]["command"]
    assert re.fullmatch(r"postgres:1[56](\..*)?", services["postgres"]["image"])


def test_every_long_running_service_has_a_healthcheck():
    services = compose_file()["services"]

    for name in APP_SERVICES | {"postgres", "redis"}:
        assert services[name]["healthcheck"]["test"], name


def test_app_containers_wait_for_healthy_servers_and_the_migration():
    services = compose_file()["services"]

    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_image_is_python_311_slim_installed_with_uv_and_runs_as_a_plain_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "uv sync --locked --no-dev" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")


def test_image_leaves_out_secrets_and_local_data():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {".env", ".git", ".venv", ".local"} <= set(ignored)


def _docker_compose_available():
    if not shutil.which("docker"):
        return False
    result = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return result.returncode == 0


@pytest.mark.skipif(not _docker_compose_available(), reason="no `docker compose` client here")
def test_docker_compose_accepts_the_file(tmp_path):
    env_file = tmp_path / "compose.env"
    env_file.write_text(
        "DJANGO_SECRET_KEY=" + "x" * 50 + "\n"
        "DJANGO_ALLOWED_HOSTS=localhost\n"
        "POSTGRES_PASSWORD=example\n"
    )
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(env_file), "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = "\n".join(
        path.read_text() for path in (ROOT / "config" / "settings").glob("*.py")
    )
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))

    assert read, "no env() calls found: the pattern needs updating"
    assert read - listed == set()


def _services_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import services
    finally:
        sys.path.pop(0)
    return services


def test_embedded_database_url_names_the_socket_folder_and_database():
    services = _services_module()
    url = services.socket_database_url(Path("/work/my project/.local/postgres"))

    config = environ.Env.db_url_config(url)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == "/work/my project/.local/postgres"
    assert config["NAME"] == "resettle"
    assert config["USER"] == "postgres"


def test_embedded_redis_urls_reach_the_socket_for_cache_and_celery(monkeypatch):
    import redis
    from celery import Celery

    # `make test` itself runs on an embedded Redis: its own addresses in the environment would
    # win over the ones given here.
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)

    services = _services_module()
    socket_path = Path("/srv/app/.local/redis/redis.sock")
    urls = services.redis_socket_urls(socket_path)

    pool = redis.ConnectionPool.from_url(urls["REDIS_URL"])
    assert pool.connection_kwargs["path"] == str(socket_path)
    app = Celery(broker=urls["CELERY_BROKER_URL"], backend=urls["CELERY_RESULT_BACKEND"])
    assert app.backend.connparams["path"] == str(socket_path)
    with app.connection_for_write() as connection:
        assert connection.transport_cls == "redis"
        assert connection.hostname == f"socket://{socket_path}"
