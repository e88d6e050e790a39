"""Settings for FastTrack Portal, read from the environment in this one place.

With no environment the portal runs on SQLite; production sets DATABASE_URL,
SECRET_KEY and CELERY_BROKER_URL (see .env.example).
"""

import datetime
from email.utils import parseaddr
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .api_settings import API_THROTTLE_RATE, REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: F401
from .evidence_store import evidence_store
from .setting_checks import allowed_networks, check_send_time_limits

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or .env), "
            "or set DEBUG=true to use the development key."
        )
    # Only reachable with DEBUG on: a known key is harmless on a developer's machine.
    SECRET_KEY = "development-only-not-secret"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts.lockout_app.SignInLockoutConfig",  # django-axes
    "csp",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "fasttrack",
    "accounts",
    "trail",
    "responsibilities",
    "engagements",
    "notifications",
    "webhooks",
    "tenants",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes asks to come last, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fasttrack.urls"

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
                "django.template.context_processors.tz",
            ],
            # The `person` and `unbidi` filters show stored names safely on every page.
            "builtins": ["engagements.templatetags.people"],
        },
    },
]

WSGI_APPLICATION = "fasttrack.wsgi.application"

# An empty DATABASE_URL counts as unset, so `DATABASE_URL= make test` means SQLite.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A page is the first fifty rows of a sorted list. In parallel, PostgreSQL sorted every
    # row in each worker where one process keeps only the first fifty, and started workers
    # that cost more than they saved: the portfolio by risk, for a member of 10,000
    # engagements, 29.6 ms with two workers and 8.4 ms with none. A server with cores to
    # spare can give them back (DATABASE_PARALLEL_WORKERS); options in the URL win.
    workers = env.int("DATABASE_PARALLEL_WORKERS", default=0)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c max_parallel_workers_per_gather={workers}"
    )
# The engagement list's covering index (include=) is PostgreSQL's; SQLite, the development
# default, keeps its key columns only and Django warns at every start (models.W040). The
# warning says nothing a newcomer can act on, and PostgreSQL still hears it.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# false: only staff (break-glass accounts) sign in with a password; everyone else signs in with
# Microsoft, and invitations carry no password link.
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)
# Sign in with Microsoft (accounts/entra.py) is offered once the app registration's id is set.
ENTRA_CLIENT_ID = env.str("ENTRA_CLIENT_ID", default="")
ENTRA_CLIENT_SECRET = env.str("ENTRA_CLIENT_SECRET", default="")
ENTRA_AUTHORITY_HOST = env.str("ENTRA_AUTHORITY_HOST", default="https://login.microsoftonline.com")
# A CA bundle for an authority behind a private CA (the tests' stand-in); empty: the system's.
ENTRA_CA_FILE = env.str("ENTRA_CA_FILE", default="")
# The tenants Microsoft's party signs in from: by default Microsoft's own corporate tenant.
MICROSOFT_TENANT_IDS = env.list(
    "MICROSOFT_TENANT_IDS", default=["72f988bf-86f1-41af-91ab-2d7cd011db47"]
)
# Reading the customer's tenant (tenants/): Graph's address (another for a national cloud, or
# the tests' stand-in; tokens come from ENTRA_AUTHORITY_HOST) and one multi-tenant app
# registration per tier of read permissions, with its secret or a PEM file holding its
# certificate and key. From the environment only; a tier without a client id is not offered.
GRAPH_API_BASE = env.str("GRAPH_API_BASE", default="https://graph.microsoft.com")
TENANT_APPS = {
    tier: {
        "client_id": env.str(f"TENANT_APP_{tier.upper()}_CLIENT_ID", default=""),
        "secret": env.str(f"TENANT_APP_{tier.upper()}_SECRET", default=""),
        "certificate": env.str(f"TENANT_APP_{tier.upper()}_CERTIFICATE", default=""),
    }
    for tier in ("identity", "intune", "sensitive")
}
# "Check now" waits this long after the last asked-for check of the same tenant.
TENANT_CHECK_COOLDOWN_MINUTES = env.int("TENANT_CHECK_COOLDOWN_MINUTES", default=10)
# Beat re-reads each connected tenant once this long after its last reading.
TENANT_CHECK_EVERY_HOURS = env.int("TENANT_CHECK_EVERY_HOURS", default=24)
LOGIN_URL = "login"
# My work for anyone with something on it, else the engagement list (engagements/mywork).
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "signed-out"

# Security. Production runs behind a proxy that terminates TLS and sets X-Forwarded-Proto
# (and appends the client's address to X-Forwarded-For); see the README.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=not DEBUG)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A session ends this many hours after sign-in, or when the browser closes.
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=8)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Failed logins lock out a username, and separately an address, for a while.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful login clears that account's failures, and only those (see fasttrack/lockout.py).
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "fasttrack.lockout.AccountResetHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "fasttrack.security.client_ip"
AXES_VERBOSE = False

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("en", _("English"))]
# The portal's own date and time styles, one per language (fasttrack/formats/).
FORMAT_MODULE_PATH = "fasttrack.formats"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="America/Sao_Paulo")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Evidence files (fasttrack/evidence_store.py): a private folder, or EVIDENCE_STORAGE=s3.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(BASE_DIR / "media-private")))
EVIDENCE_STORAGE = env.str("EVIDENCE_STORAGE", default="local")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": evidence_store(env, EVIDENCE_STORAGE, EVIDENCE_ROOT),
}
# The largest file accepted, and the kinds (judged from the file's bytes, never its name).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES",
    default=["pdf", "png", "jpeg", "docx", "xlsx", "pptx", "txt", "csv", "zip"],
)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A dotted path (an email service's backend, say) wins over the one EMAIL_URL implies.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or EMAIL_CONFIG["EMAIL_BACKEND"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FastTrack Portal <portal@localhost>")
# The bare address, for calendar invitations' ORGANIZER.
DEFAULT_FROM_EMAIL_ADDRESS = parseaddr(DEFAULT_FROM_EMAIL)[1]

# Absolute links in emails point here.
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")

# Celery. Without CELERY_BROKER_URL or REDIS_URL the broker is a folder on disk, so the
# embedded default runs a worker and beat with no server. No result backend: nothing reads
# results, and a dead backend once made .delay() hang for 19 s.
CELERY_BROKER_URL = (
    env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or "filesystem://"
)
CELERY_BROKER_FOLDER = Path(env.str("CELERY_BROKER_FOLDER", default=str(BASE_DIR / ".celery")))
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task still running after the hard limit is killed with its pool process; the soft limit
# first raises inside it (a send then counts as failed and is retried).
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A mail server answer slower than this fails the send (it is retried). Below the soft limit,
# so one stalled answer ends the attempt before Celery must interrupt it; the soft limit still
# bounds a conversation of many slow answers (sending.py then hangs up at once).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=min(30.0, CELERY_TASK_SOFT_TIME_LIMIT / 3))

# Reminders and notifications (see notifications/).
CHECKPOINT_REMINDER_MINUTES = env.list(
    "CHECKPOINT_REMINDER_MINUTES", cast=int, default=[24 * 60, 60]
)
NOTIFICATION_DISPATCH_SECONDS = env.float("NOTIFICATION_DISPATCH_SECONDS", default=30.0)
# A send claimed longer ago than this is taken to have died with its worker and is retried.
NOTIFICATION_CLAIM_LEASE_SECONDS = env.int("NOTIFICATION_CLAIM_LEASE_SECONDS", default=300)
check_send_time_limits(
    email_timeout=EMAIL_TIMEOUT,
    soft_limit=CELERY_TASK_SOFT_TIME_LIMIT,
    hard_limit=CELERY_TASK_TIME_LIMIT,
    claim_lease=NOTIFICATION_CLAIM_LEASE_SECONDS,
)
# A row dispatch queued that no worker claimed within this (the broker lost its queue) is
# queued again; far shorter than the lease, since nothing is sending it.
NOTIFICATION_REQUEUE_SECONDS = env.int("NOTIFICATION_REQUEUE_SECONDS", default=60)
# The wait after a failed send; it doubles with each attempt, up to an hour.
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=10)
DIGEST_HOUR = 8

# Webhooks (see webhooks/). Addresses in loopback, private, link-local or reserved
# ranges are refused unless a network here lets them in (an internal receiver), e.g.
# WEBHOOK_ALLOWED_NETWORKS=10.20.0.0/16.
WEBHOOK_ALLOWED_NETWORKS = allowed_networks(env.list("WEBHOOK_ALLOWED_NETWORKS", default=[]))
# A CA bundle to verify receivers' certificates with, for receivers behind a private CA.
WEBHOOK_CA_FILE = env.str("WEBHOOK_CA_FILE", default="")
# Well under CELERY_TASK_TIME_LIMIT, so a slow receiver fails the attempt, not the worker.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_SECONDS = env.int("WEBHOOK_RETRY_SECONDS", default=60)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)

# How long a worker holds a catalogue apply job without news of it (it renews the hold after
# each engagement): past it, the job is taken to be orphaned and handed to another worker.
CATALOGUE_APPLY_HOLD_SECONDS = env.int("CATALOGUE_APPLY_HOLD_SECONDS", default=60)

# The forecast (engagements/planning/): the weeks of throughput it samples, the fewest whole
# weeks it needs, and the risk rules read from it: a forecast end more than the tolerance after
# the planned end, a gate waiting on a sign-off for more than the given days.
FORECAST_HISTORY_WEEKS = env.int("FORECAST_HISTORY_WEEKS", default=8)
FORECAST_MIN_WEEKS = env.int("FORECAST_MIN_WEEKS", default=2)
PLAN_SLIP_TOLERANCE_DAYS = env.int("PLAN_SLIP_TOLERANCE_DAYS", default=7)
GATE_SIGN_OFF_WAIT_DAYS = env.int("GATE_SIGN_OFF_WAIT_DAYS", default=5)

CELERY_BEAT_SCHEDULE = {
    # Sends what is due. Its period bounds how late a reminder can be; each run costs a
    # fixed number of indexed queries plus one message per due notification.
    "dispatch-notifications": {
        "task": "engagements.tasks.dispatch_notifications",
        "schedule": NOTIFICATION_DISPATCH_SECONDS,
    },
    # Digests are owed a day ahead, due at exactly 08:00 their recipient's time, so the
    # dispatch period above decides when they go out; this scan only has to run once between
    # two 08:00s. Due-date notes are owed when the scan finds it past 08:00 for their
    # recipient, so they may go out up to five minutes late, which keeps the per-user scan rare.
    "queue-daily-notifications": {
        "task": "engagements.tasks.queue_daily_notifications",
        "schedule": 300.0,
    },
    # A meeting's status report is filed as soon after its end as a reminder would be sent;
    # a run that finds no meeting just ended costs one indexed query.
    "file-checkpoint-reports": {
        "task": "engagements.tasks.file_checkpoint_reports",
        "schedule": NOTIFICATION_DISPATCH_SECONDS,
    },
    # Webhook deliveries are picked up like notifications, and as often: a receiver hears of
    # a change within that period.
    "dispatch-webhooks": {
        "task": "engagements.tasks.dispatch_webhooks",
        "schedule": NOTIFICATION_DISPATCH_SECONDS,
    },
    # A catalogue apply whose worker was killed goes on in another once its hold lapses.
    "resume-catalogue-applies": {
        "task": "engagements.tasks.catalogue_applies_resume",
        "schedule": float(CATALOGUE_APPLY_HOLD_SECONDS),
    },
    # Connected tenants whose last reading is older than TENANT_CHECK_EVERY_HOURS are read
    # again; hourly, so a day's readings spread over the day instead of all at once.
    "tenant-checks-due": {"task": "tenants.tasks.tenant_checks_due", "schedule": 3600.0},
}

# The cache holds the API's throttle counts. The default, local memory, counts per process:
# with several web processes, point CACHE_URL at Redis (e.g. redis://127.0.0.1:6379/1).
CACHES = {"default": env.cache_url_config(env.str("CACHE_URL", default="") or "locmemcache://")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Axes logs every successful login at INFO; lockouts, which matter, are warnings.
    # WeasyPrint logs each step of a report (and of its own style sheets, at import), and
    # fontTools each glyph it keeps when a report's fonts are subset.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
