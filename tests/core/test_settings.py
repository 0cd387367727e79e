"""Settings: every one documented in the README, a refusal to run with a public secret outside
debug, and the database configuration (SQLite with WAL and foreign keys, or PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.utils import ConnectionHandler

from outbreakhq import config
from outbreakhq import settings as project_settings

REPO = Path(__file__).resolve().parents[2]
LONG_SECRET = "k" * 20 + "-random-enough-0123456789"


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_the_readme(setting: config.Setting) -> None:
    readme = REPO / "README.md"
    assert readme.exists(), "README.md is missing at the repository root"
    assert setting.name in readme.read_text(encoding="utf-8"), \
        f"{setting.name} is not documented in README.md"


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_has_the_prefix_and_help_text(setting: config.Setting) -> None:
    assert setting.name.startswith("OUTBREAKHQ_")
    assert len(setting.help) > 20


def test_settings_are_read_from_the_environment_with_their_defaults(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OUTBREAKHQ_TOKEN_DAYS", raising=False)
    assert config.get("OUTBREAKHQ_TOKEN_DAYS") == "90"
    monkeypatch.setenv("OUTBREAKHQ_TOKEN_DAYS", "30")
    assert config.get("OUTBREAKHQ_TOKEN_DAYS") == "30"
    with pytest.raises(KeyError):
        config.get("OUTBREAKHQ_NO_SUCH_SETTING")


@pytest.mark.parametrize(("value", "on"), [("1", True), ("true", True), (" YES ", True),
                                           ("on", True), ("0", False), ("", False),
                                           ("no", False)])
def test_debug_flag_reads_the_usual_spellings(
        monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv("OUTBREAKHQ_DEBUG", value)
    assert config.flag("OUTBREAKHQ_DEBUG") is on


@pytest.mark.parametrize("secret", [config.PLACEHOLDER_SECRET, "short-secret", ""])
def test_outside_debug_the_placeholder_or_a_short_secret_is_refused(secret: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="OUTBREAKHQ_SECRET_KEY"):
        project_settings.check_secret(secret, debug=False)


@pytest.mark.parametrize("secret", [config.PLACEHOLDER_SECRET, "short-secret"])
def test_in_debug_any_secret_is_accepted(secret: str) -> None:
    project_settings.check_secret(secret, debug=True)


def test_a_long_secret_is_accepted_outside_debug() -> None:
    project_settings.check_secret(LONG_SECRET, debug=False)


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OUTBREAKHQ_")}
    clean.update(OUTBREAKHQ_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", "import outbreakhq.settings"], env=clean,
                          capture_output=True, text=True, timeout=60)


def test_the_server_refuses_to_start_with_the_placeholder_secret(tmp_path: Path) -> None:
    refused = _import_settings(tmp_path, OUTBREAKHQ_DEBUG="0",
                               OUTBREAKHQ_SECRET_KEY=config.PLACEHOLDER_SECRET)
    assert refused.returncode != 0
    assert "OUTBREAKHQ_SECRET_KEY is the placeholder" in refused.stderr
    started = _import_settings(tmp_path, OUTBREAKHQ_DEBUG="0", OUTBREAKHQ_SECRET_KEY=LONG_SECRET)
    assert started.returncode == 0, started.stderr


def test_an_empty_database_url_gives_sqlite_in_the_data_folder_with_wal_and_foreign_keys(
        tmp_path: Path) -> None:
    db = project_settings.database_from_url("", tmp_path / "data")

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "data" / "outbreakhq.sqlite3")
    assert (tmp_path / "data").is_dir()
    init = db["OPTIONS"]["init_command"].replace(" ", "").lower()
    assert "pragmajournal_mode=wal;" in init
    assert "pragmaforeign_keys=on;" in init
    assert "pragmabusy_timeout=" in init
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_postgresql_url_gives_the_postgresql_engine(tmp_path: Path) -> None:
    db = project_settings.database_from_url(
        "postgresql://ohq:s3cret@db.example.org:5433/outbreak", tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "outbreak", "ohq", "s3cret", "db.example.org", 5433)
    assert "init_command" not in db.get("OPTIONS", {})


def _pragmas(conn) -> dict[str, object]:
    with conn.cursor() as cursor:
        found = {}
        for name in ("foreign_keys", "journal_mode", "busy_timeout"):
            cursor.execute(f"PRAGMA {name}")
            found[name] = cursor.fetchone()[0]
    return found


def test_a_connection_opened_with_the_default_settings_has_foreign_keys_and_wal_on(
        tmp_path: Path, django_db_blocker) -> None:
    handler = ConnectionHandler({"default": project_settings.database_from_url("", tmp_path)})
    try:
        with django_db_blocker.unblock():  # a connection of its own, not the test database
            pragmas = _pragmas(handler["default"])
    finally:
        handler.close_all()
    assert pragmas["foreign_keys"] == 1
    assert str(pragmas["journal_mode"]).lower() == "wal"
    assert pragmas["busy_timeout"] >= 5000


@pytest.mark.django_db
def test_the_database_of_this_run_is_configured_as_in_production() -> None:
    """SQLite: the same pragmas; PostgreSQL: version 15 or newer (docs/operations.md)."""
    if connection.vendor == "sqlite":
        pragmas = _pragmas(connection)
        assert pragmas["foreign_keys"] == 1
        assert str(pragmas["journal_mode"]).lower() == "wal"
    else:
        assert connection.vendor == "postgresql"
        assert connection.pg_version >= 150000
