"""Deployment settings read from the environment: the one place they are declared.

Each setting carries its default and help text; `settings.py` reads them and a test checks that
the README documents every one (the Datasette way: settings are data with help text).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
PLACEHOLDER_SECRET = "insecure-placeholder-change-me"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def read(self) -> str:
        return os.environ.get(self.name, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("OUTBREAKHQ_DATA_DIR", str(PROJECT_DIR / "var"),
            "Folder for the embedded SQLite database, exports and other run-time files."),
    Setting("OUTBREAKHQ_DATABASE_URL", "",
            "Database URL. Empty: SQLite in OUTBREAKHQ_DATA_DIR/outbreakhq.sqlite3 (WAL, foreign "
            "keys, busy timeout). PostgreSQL: postgresql://user:password@host:5432/name."),
    Setting("OUTBREAKHQ_SECRET_KEY", PLACEHOLDER_SECRET,
            "Django secret key. Unset: the one in OUTBREAKHQ_DATA_DIR/secret_key, written (random, "
            "mode 0600) by the first command run. Outside debug mode the server refuses to start "
            "with the placeholder or a key shorter than 32 characters."),
    Setting("OUTBREAKHQ_DEBUG", "0",
            "1 for development (detailed error pages). Never in production."),
    Setting("OUTBREAKHQ_ALLOWED_HOSTS", "127.0.0.1,localhost",
            "Comma-separated host names the server answers to."),
    Setting("OUTBREAKHQ_TIME_ZONE", "Asia/Shanghai",
            "Time zone in which times are shown (all times are stored in UTC)."),
    Setting("OUTBREAKHQ_LANGUAGE", "en", "Default interface language: en or zh-hans."),
    Setting("OUTBREAKHQ_PROTOCOL", "cn-9th-edition",
            "Protocol preset in src/outbreakhq/protocols/: cn-9th-edition or who-generic."),
    Setting("OUTBREAKHQ_PROTOCOL_OVERRIDES", "",
            "Single protocol values overridden for this deployment, as dotted keys: "
            "'people.close_contact.followup_days=14;grading.downgrade.medium.reading=press_summary'"
            " (see docs/protocols.md)."),
    Setting("OUTBREAKHQ_TOKEN_DAYS", "90", "Default lifetime of a new API token, in days."),
    Setting("OUTBREAKHQ_API_CACHE_SECONDS", "10",
            "Seconds a server process keeps what API requests read again and again (an API "
            "token with its user and role assignments, collection sites, rounds) before "
            "reading it again (0: on every request). A revoked token, a disabled account, a "
            "changed role or site takes effect at once in the process that made the change "
            "and within this many seconds in the others; a closed round at once everywhere."),
    # Retention (docs/operations.md, "Retention"): a legal matter of the deployment, not a
    # protocol rule, hence a setting. Kinds are those the modules register in core/retention.py.
    Setting("OUTBREAKHQ_RETENTION", "followup=30,contact=90,case=365,person=365,audit=1825",
            "Days each kind of record is kept after its outbreak is declared over, as "
            "kind=days pairs; kinds not named keep this default. The audit trail must be kept "
            "at least as long as the longest data period."),
    Setting("OUTBREAKHQ_BIND", "127.0.0.1:8000", "Address and port `outbreakhq serve` listens on."),
    Setting("OUTBREAKHQ_WORKERS", "2", "Number of server worker processes for `outbreakhq serve`."),
    # Sign-in protection (issue 7): lockout, two-factor, session length.
    Setting("OUTBREAKHQ_LOGIN_FAILURES", "5",
            "Wrong passwords or two-factor codes for one user name from one address before "
            "sign-in from there is locked (`outbreakhq axes_reset_username NAME` unlocks)."),
    Setting("OUTBREAKHQ_LOCKOUT_MINUTES", "15",
            "How long a sign-in lockout lasts, in minutes, unless an administrator unlocks it "
            "sooner on the Sign-in locks page."),
    Setting("OUTBREAKHQ_REQUIRE_2FA_ROLES", "",
            "Comma-separated roles (commander, admin) that must set up two-factor sign-in at "
            "their next sign-in. Empty: two-factor is optional for them."),
    Setting("OUTBREAKHQ_SESSION_MINUTES", "60",
            "Idle timeout: a signed-in session ends after this many minutes without a request. "
            "The session cookie also ends when the browser closes (shared computers)."),
    # Issue 7: a preview of a file of guessed identity numbers must not be repeated at will.
    Setting("OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN", "20",
            "Import previews and dry runs one user may run in 10 minutes (pages, API and CLI "
            "together); the next is refused with 429 until the oldest is 10 minutes old."),
    Setting("OUTBREAKHQ_PSEUDONYM_AREA_LEVEL", "county",
            "Finest area level a pseudonymised export shows (region, prefecture, county, "
            "township, community): a person's home area is cut to its ancestor at this level."),
    # Production over HTTPS (issue 7): `manage.py check --deploy` is clean with OUTBREAKHQ_HTTPS=1.
    Setting("OUTBREAKHQ_HTTPS", "0",
            "1 when the site is reached over HTTPS only: plain-HTTP requests are redirected, "
            "browsers are told to use HTTPS (HSTS) and cookies are sent over HTTPS only."),
    Setting("OUTBREAKHQ_HSTS_SECONDS", "31536000",
            "With OUTBREAKHQ_HTTPS=1: how long browsers remember to use HTTPS only "
            "(Strict-Transport-Security max-age; 0 sends no HSTS header)."),
    Setting("OUTBREAKHQ_HSTS_INCLUDE_SUBDOMAINS", "0",
            "1 to extend HSTS to every subdomain of the host name (only if all of them serve "
            "HTTPS)."),
    Setting("OUTBREAKHQ_HSTS_PRELOAD", "0",
            "1 to add `preload` to HSTS, for submission to the browsers' preload list "
            "(hard to undo)."),
    Setting("OUTBREAKHQ_PROXY_SSL_HEADER", "",
            "Behind a TLS-terminating proxy: the header it sets on HTTPS requests, e.g. "
            "`X-Forwarded-Proto` (value `https`) or `X-Forwarded-Ssl=on`. The proxy must strip "
            "this header from what clients send."),
    # Residents' support (issue 12, docs/support.md).
    Setting("OUTBREAKHQ_SUPPORT_DEADLINES", "urgent=30,high=120,normal=1440",
            "Minutes within which a residents' support request must be taken on, per urgency "
            "(urgent, high, normal); a request still waiting after it is escalated to command."),
    Setting("OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN", "20",
            "Requests and status checks one client address may send through the public support "
            "pages in 10 minutes (counted in Django's cache: use a shared cache such as Redis "
            "when several server processes run)."),
    Setting("OUTBREAKHQ_ZONES_AUTO_APPROVE", "0",
            "1: risk-area designations the daily regrading proposes take effect at once, without "
            "a commander's approval (zones)."),
    # The scheduler of periodic jobs (issue 13, core/periodic.py, docs/operations.md).
    Setting("OUTBREAKHQ_SITREP_TIME", "07:00",
            "Time of day (HH:MM, OUTBREAKHQ_TIME_ZONE) the scheduler makes the situation report "
            "PDF of every top-level jurisdiction, into OUTBREAKHQ_DATA_DIR/sitreps/."),
    # Hostile files (issue 15): every importer checks these before it reads a row.
    Setting("OUTBREAKHQ_IMPORT_MAX_MB", "25",
            "Largest line-list file an import accepts, in megabytes (CSV or XLSX as uploaded)."),
    Setting("OUTBREAKHQ_IMPORT_MAX_UNZIPPED_MB", "100",
            "Largest size an XLSX file may unpack to, in megabytes (all its parts together): "
            "zip bombs and sheets of millions of blank rows are refused before reading."),
    Setting("OUTBREAKHQ_IMPORT_MAX_ROWS", "50000",
            "Most data rows in one imported file; a sheet declaring or holding more than twice "
            "as many rows, blank ones included, is refused before its rows are read."),
    Setting("OUTBREAKHQ_IMPORT_MAX_COLUMNS", "200", "Most columns in one imported file."),
    Setting("OUTBREAKHQ_IMPORT_MAX_CELL_CHARS", "10000",
            "Longest cell (in characters) an imported file may hold."),
    # Production serving (issue 15, docs/operations.md "Serving under load").
    Setting("OUTBREAKHQ_THREADS", "4", "Threads per server worker process for `outbreakhq serve`."),
    Setting("OUTBREAKHQ_KEEPALIVE", "75",
            "Seconds the server keeps an idle connection open; longer than the idle timeout of "
            "the proxy or load balancer in front (nginx 60 s, AWS ALB 60 s), so that the proxy, "
            "not the server, closes idle connections and no request races a closing socket."),
    Setting("OUTBREAKHQ_REQUEST_TIMEOUT", "60",
            "Seconds a request may run before it is stopped with a clear 503 page (the worker "
            "is replaced if it does not stop)."),
    Setting("OUTBREAKHQ_CACHE_URL", "",
            "Django's cache, where the server's processes must agree (the public support pages' "
            "per-address limit). Empty: files in OUTBREAKHQ_DATA_DIR/cache, shared by every "
            "worker process on this machine. redis://127.0.0.1:6379/0: Redis (needs the `redis` "
            "package, `pip install outbreakhq[redis]`), for several machines or atomic counts."),
    Setting("OUTBREAKHQ_SKIP_COLLECTSTATIC", "0",
            "1: `outbreakhq serve` does not collect the static files first (they were collected "
            "by an earlier start or `outbreakhq collectstatic`); the server starts in seconds."),
)


def setting(name: str) -> Setting:
    for item in SETTINGS:
        if item.name == name:
            return item
    raise KeyError(name)


def get(name: str) -> str:
    return setting(name).read()


def is_set(name: str) -> bool:
    get(name)  # a typo in the name is a KeyError, not a silent False
    return name in os.environ


def flag(name: str) -> bool:
    return get(name).strip().lower() in {"1", "true", "yes", "on"}
