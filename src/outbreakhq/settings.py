"""Django settings for OutbreakHQ. Every deployment value comes from `config.SETTINGS`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from outbreakhq import config

BASE_DIR = config.BASE_DIR
DATA_DIR = Path(config.get("OUTBREAKHQ_DATA_DIR"))

DEBUG = config.flag("OUTBREAKHQ_DEBUG")
SECRET_KEY = config.get("OUTBREAKHQ_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in config.get("OUTBREAKHQ_ALLOWED_HOSTS").split(",") if h.strip()]
TIME_ZONE = config.get("OUTBREAKHQ_TIME_ZONE")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = config.get("OUTBREAKHQ_LANGUAGE")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["outbreakhq.formats"]

OUTBREAKHQ_PROTOCOL = config.get("OUTBREAKHQ_PROTOCOL")
OUTBREAKHQ_PROTOCOL_OVERRIDES = config.get("OUTBREAKHQ_PROTOCOL_OVERRIDES")
OUTBREAKHQ_TOKEN_DAYS = int(config.get("OUTBREAKHQ_TOKEN_DAYS"))


def retention_periods() -> dict[str, int]:
    """OUTBREAKHQ_RETENTION over its shipped default (core/retention.py); syntax errors stop the
    start, unknown kinds are reported by the system check once the modules are loaded."""
    from outbreakhq.core.retention import RetentionError, effective_periods, parse_periods

    try:
        return effective_periods(parse_periods(config.get("OUTBREAKHQ_RETENTION")),
                                 parse_periods(config.setting("OUTBREAKHQ_RETENTION").default))
    except RetentionError as exc:
        raise ImproperlyConfigured(str(exc)) from None


OUTBREAKHQ_RETENTION = retention_periods()


def check_secret(secret: str, debug: bool) -> None:
    """Refuse to run a production server with a key that is public knowledge."""
    if not debug and (secret == config.PLACEHOLDER_SECRET or len(secret) < 32):
        raise ImproperlyConfigured(
            "OUTBREAKHQ_SECRET_KEY is the placeholder or shorter than 32 characters; set a long "
            "random value (python -c 'import secrets; print(secrets.token_urlsafe(50))') or set "
            "OUTBREAKHQ_DEBUG=1 for development."
        )


check_secret(SECRET_KEY, DEBUG)


def database_from_url(url: str, data_dir: Path) -> dict:
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / 'outbreakhq.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            # WAL lets readers work while a writer commits; IMMEDIATE takes the write lock at the
            # start of a transaction so two writers queue on busy_timeout instead of deadlocking.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
            ),
        }
        db["TEST"] = {"NAME": str(data_dir / "test.sqlite3")}
    return db


DATABASES = {"default": database_from_url(config.get("OUTBREAKHQ_DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs page from its bundled static files instead of a CDN
    "outbreakhq.core",
    "outbreakhq.tracing",
    "django_tasks_db",
]
# Background work (large exports) runs in `outbreakhq db_worker`, from a table in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "outbreakhq.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "outbreakhq.core.middleware.ScopeMiddleware",
]

ROOT_URLCONF = "outbreakhq.urls"
WSGI_APPLICATION = "outbreakhq.wsgi.application"

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
                "outbreakhq.core.context.shell",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing folder
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
