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
            "Django secret key. Outside debug mode the server refuses to start with the "
            "placeholder."),
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
    # Retention (docs/operations.md, "Retention"): a legal matter of the deployment, not a
    # protocol rule, hence a setting. Kinds are those the modules register in core/retention.py.
    Setting("OUTBREAKHQ_RETENTION", "followup=30,contact=90,case=365,person=365,audit=1825",
            "Days each kind of record is kept after its outbreak is declared over, as "
            "kind=days pairs; kinds not named keep this default. The audit trail must be kept "
            "at least as long as the longest data period."),
    Setting("OUTBREAKHQ_BIND", "127.0.0.1:8000", "Address and port `outbreakhq serve` listens on."),
    Setting("OUTBREAKHQ_WORKERS", "2", "Number of server worker processes for `outbreakhq serve`."),
)


def setting(name: str) -> Setting:
    for item in SETTINGS:
        if item.name == name:
            return item
    raise KeyError(name)


def get(name: str) -> str:
    return setting(name).read()


def flag(name: str) -> bool:
    return get(name).strip().lower() in {"1", "true", "yes", "on"}
