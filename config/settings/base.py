"""Settings shared by every environment. Values come from the environment (12-factor).

DATABASE_URL and REDIS_URL are always set by the time Django starts: `make run` and `make test`
(scripts/services.py) point them at this machine's servers or at embedded ones.
"""

from pathlib import Path

import django.conf.locale
import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "axes",
    "django_htmx",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    # Ours, bottom of the import order first.
    "core",
    "cases",
    "medical",
    "orientation",
    "movements",
    "partners",
    "reports",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves an active session's end forward once a minute (see SESSION_REFRESH_SECONDS).
    "cases.middleware.SessionKeepAliveMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every signed-in page and every data API answer.
    "core.middleware.NoStoreMiddleware",
    # A date outside 1900-2199 refused by the database: a 400 page in words, not a 500.
    "core.middleware.DateOutOfRangeMiddleware",
    # Every partner call in the access log; a POST's Idempotency-Key answered once (core.api).
    "core.api.access_log.PartnerAccessLogMiddleware",
    "core.api.idempotency.IdempotencyKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Attaches the acting user and URL to every audit row written during the request.
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cases.context_processors.roles",
            ],
            # Builtins, on every page without a {% load %}: `{{ row|localized_name }}`, a reference
            # name in the reader's language (cases.reference_names); {% page_error_summary %} in
            # the base layout, every form page's error summary (core.page_errors).
            "builtins": ["cases.templatetags.reference_names", "core.page_errors"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/resettle"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# pgtrigger reads this setting in every trigger; left unset, each read aborts a subtransaction and
# PostgreSQL rescans the pending deferred trigger events, quadratic in the rows of a transaction
# (bench_demo_data: a 5,000-household chunk went from over 2 minutes to 27 s).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c pgtrigger.ignore={}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every uploaded file is read at most to the referral files' limit + 1 byte, whoever reads the
# body first (the Idempotency-Key middleware reads it before the view does); the rest is dropped.
FILE_UPLOAD_HANDLERS = ["partners.uploads.CappedUploadHandler"]

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Locks on username and address together: a field office shares one public address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after an hour without activity (shared office machines). Activity moves the end
# forward at most once a minute (cases.middleware.SessionKeepAliveMiddleware), not with a write
# on every request.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60)
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("rw", _("Kinyarwanda")),
    ("sw", _("Swahili")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django ships no Kinyarwanda entry; our catalog lives under LOCALE_PATHS.
django.conf.locale.LANG_INFO.setdefault(
    "rw", {"bidi": False, "code": "rw", "name": "Kinyarwanda", "name_local": "Ikinyarwanda"}
)
TIME_ZONE = "Africa/Kigali"
# One way dates and times read per language (Django has none for rw and sw).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AccessAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per OAuth2 client and per user, counted atomically in Redis (core/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.ClientRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
}
# Rates of the throttles above (None: not throttled); bulk endpoints (file upload) have their own.
API_THROTTLE_RATES = {
    "client": env("API_THROTTLE_CLIENT", default="600/min"),
    "user": env("API_THROTTLE_USER", default="600/min"),
    "bulk": env("API_THROTTLE_BULK", default="10/hour"),
}
# Wrong client secrets at /o/token/ before the client is locked, and for how long (seconds).
OAUTH_CLIENT_FAILURE_LIMIT = env.int("OAUTH_CLIENT_FAILURE_LIMIT", default=10)
OAUTH_CLIENT_LOCK_SECONDS = env.int("OAUTH_CLIENT_LOCK_SECONDS", default=15 * 60)
# Webhook URLs (partners/outgoing.py): https to public addresses only. Development settings
# (make run, the tests' receivers on 127.0.0.1) may allow plain http and loopback.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
# A rotated webhook secret keeps signing beside the new one this long (seconds).
WEBHOOK_SECRET_OVERLAP_SECONDS = env.int("WEBHOOK_SECRET_OVERLAP_SECONDS", default=24 * 60 * 60)

SPECTACULAR_SETTINGS = {
    "TITLE": "Resettlement case management API",
    "DESCRIPTION": "Cases, people, interviews, health clearances and movements.",
    "VERSION": "1.0.0",
    # Every POST documents the Idempotency-Key header and its answers, every throttled
    # operation its 429 (core/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_idempotency_key",
        "core.api.schema.document_throttling",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.choices.CaseStatus",
        "WebhookEventEnum": "partners.models.WebhookEvent",
        "EventKindEnum": "cases.choices.EventKind",
        "LocationKindEnum": "cases.choices.LocationKind",
        "InterviewKindEnum": "cases.choices.InterviewKind",
        "SessionStatusEnum": "orientation.choices.SessionStatus",
        "InterviewOutcomeEnum": "cases.choices.InterviewOutcome",
        "ClearanceOutcomeEnum": "medical.choices.Outcome",
        "LabResultEnum": "medical.choices.LabResultValue",
        "CheckResultEnum": "medical.choices.CheckResult",
        "ReportKindEnum": "reports.choices.ReportKind",
        "ReportRunStatusEnum": "reports.choices.RunStatus",
        "ReportFileFormatEnum": "reports.choices.FileFormat",
        "ReportFileEditionEnum": "reports.choices.FileEdition",
        "ReportRunTriggerEnum": "reports.choices.RunTrigger",
        "BookingStatusEnum": "movements.choices.BookingStatus",
        "SettableBookingStatusEnum": "movements.choices.SETTABLE_BOOKING_STATUS_CHOICES",
        "EscortKindEnum": "movements.choices.EscortKind",
        "EscortRoleEnum": "movements.choices.EscortRole",
        "NoticeKindEnum": "movements.choices.NoticeKind",
    },
}

OAUTH2_PROVIDER = {
    "SCOPES": {
        "cases:read": _("Read cases and their members"),
        "cases:write": _("Create and update cases, record referrals"),
        "interviews:write": _("Record interview decisions"),
        "medical:read": _("Read health clearances (outcome and validity only)"),
        "movements:read": _("Read bookings for the partner's own country"),
        "movements:write": _("Acknowledge booking notices"),
        "webhooks:manage": _("Read and replay the webhook messages sent to the partner"),
    },
    "DEFAULT_SCOPES": ["cases:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 60 * 60,
    "PKCE_REQUIRED": True,
    # Partner clients: only the scopes granted to their account; tokens act as that account
    # (core/api/oauth.py).
    "SCOPES_BACKEND_CLASS": "core.api.oauth.PartnerScopes",
    "OAUTH2_VALIDATOR_CLASS": "partners.oauth.LockingOAuth2Validator",
    # OAuth 2.0 Security Best Current Practice (RFC 9700), the same in tests as in production.
    # Partners use the client-credentials grant only, so none of the legacy flows is needed;
    # tokens are kept as checksums at rest (django-oauth-toolkit's planned 4.0 defaults).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Celery: JSON only, ids as arguments, one task at a time per worker process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A worker computing a report run proves it is alive this often (seconds); a run not heard from
# for REPORT_HEARTBEAT_LOST_AFTER seconds has lost its worker and is queued again.
REPORT_HEARTBEAT_SECONDS = env.int("REPORT_HEARTBEAT_SECONDS", default=15)
REPORT_HEARTBEAT_LOST_AFTER = env.int("REPORT_HEARTBEAT_LOST_AFTER", default=75)
# Periodic work (django-celery-beat's DatabaseScheduler copies these entries into its tables).
CELERY_BEAT_SCHEDULE = {
    # The yearly figures of the current year, recomputed every night (reports).
    "reports-recompute-current-year": {
        "task": "reports.recompute_current_year",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every approved year compared with today's records ("changed since approval", reports).
    "reports-check-approved-years": {
        "task": "reports.check_approved_years",
        "schedule": crontab(hour=2, minute=0),
    },
    # Runs whose worker died (its heartbeat stopped) are retried or failed with the reason
    # (reports): looked for every 30 s, so a dead worker is noticed within two minutes.
    "reports-recover-stuck-runs": {"task": "reports.recover_stuck_runs", "schedule": 30.0},
    # A booking notice whose sending task was lost is queued again: none stays queued forever.
    "requeue-stale-booking-notices": {
        "task": "movements.tasks.requeue_stale_booking_notices",
        "schedule": 15 * 60,
    },
    # Webhook deliveries due again, expired idempotency keys, referral files whose task was lost.
    "webhook-sweep": {"task": "partners.tasks.webhook_sweep", "schedule": 60.0},
    "idempotency-purge": {"task": "partners.tasks.idempotency_purge", "schedule": 60.0 * 60},
    "intake-sweep": {"task": "partners.tasks.intake_sweep", "schedule": 10 * 60.0},
}

# E-mail (advance booking notices). With EMAIL_URL (smtp://USER:PASSWORD@HOST:587, or
# smtp+tls://...) mail goes to that server; without it, each message is written as a file in
# EMAIL_FILE_PATH (.local/mail by default), where `make run` keeps them, readable in the app too.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=BASE_DIR / ".local" / "mail")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="movements@localhost")
# Where the links in e-mails point (the address people open the site at).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Booking notices: tries after the first one, the first wait (doubling each time), and how long
# the acknowledgement link in the e-mail works.
NOTICE_SEND_RETRIES = env.int("NOTICE_SEND_RETRIES", default=5)
NOTICE_RETRY_SECONDS = env.int("NOTICE_RETRY_SECONDS", default=60)
NOTICE_ACK_LINK_DAYS = env.int("NOTICE_ACK_LINK_DAYS", default=14)
# The day of the flight (movements.bookings): a departure is recorded from the check-in window's
# opening (hours before the first flight's take-off); a notice still unacknowledged this many days
# before the flight is flagged on the readiness board and the manager's dashboard.
MOVEMENTS_CHECK_IN_HOURS = env.int("MOVEMENTS_CHECK_IN_HOURS", default=4)
MOVEMENTS_NOTICE_ACK_ALERT_DAYS = env.int("MOVEMENTS_NOTICE_ACK_ALERT_DAYS", default=3)
# A mail server that does not answer must not hold a worker (and a notice's row lock) for long.
EMAIL_TIMEOUT = 30

# Content security policy: everything is served from here (no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (4xx) is logged once, without a traceback (core/request_log.py).
    "filters": {"refusals": {"()": "core.request_log.RefusedRequestFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own default handlers (a console one when DEBUG is on, printing tracebacks)
        # would log each record a second time beside ours: everything goes through ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The audit trail's admin page leaves out medical history (cases/audit_admin.py).
PGHISTORY_ADMIN_CLASS = "cases.audit_admin.AuditTrailAdmin"
