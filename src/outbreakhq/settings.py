"""Django settings for OutbreakHQ. Every deployment value comes from `config.SETTINGS`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from outbreakhq import config, production

BASE_DIR = config.BASE_DIR
DATA_DIR = Path(config.get("OUTBREAKHQ_DATA_DIR"))

DEBUG = config.flag("OUTBREAKHQ_DEBUG")
SECRET_KEY = production.secret_key(DATA_DIR)  # the variable, else DATA_DIR/secret_key
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
OUTBREAKHQ_API_CACHE_SECONDS = float(config.get("OUTBREAKHQ_API_CACHE_SECONDS"))
OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN = int(config.get("OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN"))
OUTBREAKHQ_PSEUDONYM_AREA_LEVEL = config.get("OUTBREAKHQ_PSEUDONYM_AREA_LEVEL")
OUTBREAKHQ_SUPPORT_DEADLINES = config.get("OUTBREAKHQ_SUPPORT_DEADLINES")
OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN = int(config.get("OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN"))
OUTBREAKHQ_ZONES_AUTO_APPROVE = config.flag("OUTBREAKHQ_ZONES_AUTO_APPROVE")
OUTBREAKHQ_SITREP_TIME = config.get("OUTBREAKHQ_SITREP_TIME")
OUTBREAKHQ_REQUEST_TIMEOUT = int(config.get("OUTBREAKHQ_REQUEST_TIMEOUT"))
# Bounds every importer checks before it reads a row (interop/read.py, issue 15).
OUTBREAKHQ_IMPORT_LIMITS = {
    "bytes": int(config.get("OUTBREAKHQ_IMPORT_MAX_MB")) * 1024 * 1024,
    "unzipped_bytes": int(config.get("OUTBREAKHQ_IMPORT_MAX_UNZIPPED_MB")) * 1024 * 1024,
    "rows": int(config.get("OUTBREAKHQ_IMPORT_MAX_ROWS")),
    "columns": int(config.get("OUTBREAKHQ_IMPORT_MAX_COLUMNS")),
    "cell_chars": int(config.get("OUTBREAKHQ_IMPORT_MAX_CELL_CHARS")),
}


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


def cache_from_url(url: str, data_dir: Path) -> dict:
    """Django's cache where the server's processes must agree (gunicorn runs several): Redis
    from a redis:// or rediss:// URL, else files under the data folder. Never the per-process
    memory cache, whose counts each worker would keep apart."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                "KEY_PREFIX": "outbreakhq"}
    if url:
        raise ImproperlyConfigured(
            f"OUTBREAKHQ_CACHE_URL must be empty or a redis:// URL, not {url!r}.")
    return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(data_dir / "cache"), "OPTIONS": {"MAX_ENTRIES": 10000}}


CACHES = {"default": cache_from_url(config.get("OUTBREAKHQ_CACHE_URL"), DATA_DIR)}
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
    "outbreakhq.interop",
    "outbreakhq.screening",
    "outbreakhq.quarantine",
    "outbreakhq.zones",
    "outbreakhq.support",
    "outbreakhq.command",
    "outbreakhq.wiring",  # last of ours: the demo and the simulator's loader import every app
    "django_tasks_db",
]
# Background work (large exports) runs in `outbreakhq db_worker`, from a table in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MIDDLEWARE = [
    "outbreakhq.core.api_errors.ApiErrorMiddleware",  # first: reshapes every error under /api/
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "outbreakhq.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files (answered above) keep their long cache.
    "outbreakhq.core.middleware.NoStoreMiddleware",
    # Django's authentication and messages middleware, stepping aside for an
    # API request with a bearer token (issue 9: core/middleware.py "by_token").
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "outbreakhq.core.middleware.AuthenticationMiddleware",
    "outbreakhq.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "outbreakhq.core.middleware.ScopeMiddleware",
    "outbreakhq.core.middleware.RequestTimeoutMiddleware",  # last: its time is the view's
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

# --- Sign-in protection (issue 7; docs/operations.md "Unlocking an account") -----------------
# Lockout: django-axes counts failed sign-ins (wrong password or wrong two-factor code) per
# user name AND client address. Keyed on the pair, not the user name alone: with the name alone
# anyone who knows or guesses a commander's user name could keep them out during an outbreak
# with five requests every quarter of an hour; keyed on the address alone, one office behind a
# shared address would lock all its staff out. Guessing one password from many addresses is
# answered by the password validators and by two-factor sign-in for commanders and admins.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into our page
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(config.get("OUTBREAKHQ_LOGIN_FAILURES"))
AXES_COOLOFF_TIME = timedelta(minutes=int(config.get("OUTBREAKHQ_LOCKOUT_MINUTES")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without checking the password and do not push the end
# of the lockout further, so the time the locked-out page names stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "outbreakhq.core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "outbreakhq.core.actor.client_ip"  # the address the audit trail shows
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "code"]
# Two-factor (TOTP) for commanders and administrators: optional, or required for the roles named.
OUTBREAKHQ_REQUIRE_2FA_ROLES = frozenset(
    r.strip() for r in config.get("OUTBREAKHQ_REQUIRE_2FA_ROLES").split(",") if r.strip())
OTP_TOTP_ISSUER = "OutbreakHQ"
# Session: an idle timeout (each request moves the end forward) and a cookie without max-age,
# so closing the browser on a shared computer ends the session. Default 60 minutes: a screen left
# open at a screening site exposes personal data for at most an hour after the last click, yet a
# tracer's phone interview (20-40 minutes) between two saves does not lose the form.
SESSION_COOKIE_AGE = int(config.get("OUTBREAKHQ_SESSION_MINUTES")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# --- end of sign-in protection ---------------------------------------------------------------
# ---- Production: HTTPS, HSTS, Content-Security-Policy (issue 7; docs/operations.md) ----------
# With OUTBREAKHQ_HTTPS=1 `check --deploy` reports nothing (tests/core/test_production.py).
OUTBREAKHQ_HTTPS = config.flag("OUTBREAKHQ_HTTPS")
SECURE_SSL_REDIRECT = OUTBREAKHQ_HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = OUTBREAKHQ_HTTPS
SECURE_HSTS_SECONDS = int(config.get("OUTBREAKHQ_HSTS_SECONDS")) if OUTBREAKHQ_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.flag("OUTBREAKHQ_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = config.flag("OUTBREAKHQ_HSTS_PRELOAD")
# Django warns when HSTS leaves out subdomains or the preload list. Both reach beyond this server
# (every host of the domain; browsers' built-in lists, slow to leave), so they are the operator's
# decision, off by default: a deployment that has decided against them is not warned every time.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_PROXY_SSL_HEADER = production.proxy_ssl_header(config.get("OUTBREAKHQ_PROXY_SSL_HEADER"))
SECURE_CSP = production.CONTENT_SECURITY_POLICY  # always on, so the browser tests enforce it
