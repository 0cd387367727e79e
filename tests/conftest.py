"""Test set-up shared by every module: settings, the database marker, Chromium for browser tests."""

from __future__ import annotations

import os
import shutil

import pytest

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup", "django_user_model",
               "admin_user", "client_admin"}
CHROMIUM = "/usr/bin/chromium"
REQUIRE_ALL = os.environ.get("OUTBREAKHQ_REQUIRE_ALL") == "1"


def pytest_collection_modifyitems(config, items):
    """Mark tests that never touch the database `nodb`, so the PostgreSQL pass can skip them,
    and everything under tests/browser/ `browser`. (This hook sees every item of the session,
    which is why it lives here and checks the path.)"""
    # Tests of PostgreSQL's own behaviour (races between connections) belong to the PostgreSQL
    # pass: deselected, not skipped, on SQLite, so that a skip in CI always means a fault.
    # Likewise tests of SQLite's own behaviour (one writer at a time) on the PostgreSQL pass.
    other = "sqlite" if "postgresql" in os.environ.get("OUTBREAKHQ_DATABASE_URL", "") \
        else "postgresql"
    elsewhere = [item for item in items if item.get_closest_marker(other)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if not item.get_closest_marker(other)]
    for item in items:
        if "browser" in item.path.relative_to(item.config.rootpath).parts[:2]:
            item.add_marker(pytest.mark.browser)
        uses_db = bool(DB_FIXTURES & set(getattr(item, "fixturenames", ()))) or \
            item.get_closest_marker("django_db") is not None
        if not uses_db:
            item.add_marker(pytest.mark.nodb)


def pytest_configure(config):
    config.addinivalue_line("markers", "nodb: touches no database (set by conftest)")
    config.addinivalue_line("markers", "postgresql: runs on the PostgreSQL pass only")
    config.addinivalue_line("markers", "sqlite: runs on the SQLite pass only")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if REQUIRE_ALL:
            pytest.fail("Chromium is required (OUTBREAKHQ_REQUIRE_ALL=1) but /usr/bin/chromium "
                        "is missing: apt-get install chromium")
        pytest.skip("NOTICE: browser test SKIPPED: Debian's Chromium is not installed")
    return path


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty shared cache (rate limits, the overview's cached counts):
    areas and ids repeat from test to test, so an answer cached by one must not reach the next."""
    from django.core.cache import cache

    cache.clear()
