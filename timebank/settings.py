"""Timebank settings: one module, read from the environment.

Defaults are for a developer's laptop: SQLite, Celery running tasks eagerly,
e-mail printed to the console. Every variable is listed in README.md.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from timebank.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# The fallback is for a laptop only: `check --deploy` fails with it, and the WSGI
# application refuses to start with it unless DEBUG is on (timebank/wsgi.py).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-" + "x" * 24
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djmoney",
    "ninja",
    "ledger",
    "timebank.accounts",
    "timebank.volunteers",
    "timebank.training",
    "timebank.earning",
    "timebank.spending",
    "matching",
    "mentoring",
    "impact",
    "timebank.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "timebank.urls"
WSGI_APPLICATION = "timebank.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "timebank.accounts.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default. WAL lets readers work while one writer writes; IMMEDIATE
# transactions take the write lock at BEGIN, so two writers queue on the busy
# timeout instead of one failing with "database is locked" when it upgrades
# a read lock half-way through a transaction.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------
# A broker URL switches Celery to a real broker; without one, tasks run in the
# calling process (eagerly) so a fresh machine needs nothing else running.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None) or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "qualification-expiry-reminders": {
        "task": "timebank.training.tasks.send_qualification_reminders",
        "schedule": 60 * 60 * 6,
    },
    # Keyed by day, so running four times a day only catches up after an outage.
    "credit-expiry": {
        "task": "timebank.spending.tasks.expire_credits",
        "schedule": 60 * 60 * 6,
    },
    # Vouchers past their expiry give their credits back; hourly, and safe to run twice.
    "expire-vouchers": {
        "task": "timebank.spending.tasks.expire_vouchers",
        "schedule": 60 * 60,
    },
    # Retried requests are remembered for IDEMPOTENCY_KEEP_DAYS, then forgotten.
    "purge-idempotency-records": {
        "task": "timebank.accounts.tasks.purge_idempotency_records",
        "schedule": 60 * 60 * 6,
    },
    # Once per occasion (a mentorship quiet since a date, or past its planned end).
    "mentorship-alerts": {
        "task": "mentoring.tasks.raise_mentorship_alerts",
        "schedule": 60 * 60 * 6,
    },
}
# How long a retried write returns its first result; after that the same key is a new
# request (the ledger's own transaction key still refuses to pay twice).
IDEMPOTENCY_KEEP_DAYS = env_int("IDEMPOTENCY_KEEP_DAYS", 30)
# Statements a person may ask for in an hour: each may render a PDF of many pages.
IMPACT_REQUESTS_PER_HOUR = env_int("IMPACT_REQUESTS_PER_HOUR", 10)
# A mentorship with no session for more days than this is flagged to its coordinators.
MENTORSHIP_QUIET_DAYS = env_int("MENTORSHIP_QUIET_DAYS", 21)

# --- Passwords and sessions ---------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Timebank <noreply@timebank.localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- Security -------------------------------------------------------------
# Production (DEBUG off) gets the full set that `manage.py check --deploy`
# asks for. SECURE_SSL_REDIRECT stays switchable because a TLS-terminating
# proxy may already redirect. The demo runs with DEBUG on, over plain HTTP.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# HSTS preload (W021) commits the whole domain and its subdomains to HTTPS in
# browsers' built-in lists, and is slow to undo, so it stays an operator's choice
# (SECURE_HSTS_PRELOAD=1) rather than a warning every deployment must silence.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", ["security.W021"])

# --- Domain defaults ------------------------------------------------------
# Days before expiry at which a volunteer and their coordinators are warned.
QUALIFICATION_REMINDER_DAYS = [int(d) for d in env_list("QUALIFICATION_REMINDER_DAYS", ["30", "7"])]
# A requirement is "expiring soon" when it lapses within this many days.
QUALIFICATION_EXPIRING_SOON_DAYS = env_int("QUALIFICATION_EXPIRING_SOON_DAYS", 30)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
NINJA_PAGINATION_PER_PAGE = API_PAGE_SIZE
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools report every step of every PDF at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
