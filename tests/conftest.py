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


@pytest.fixture(autouse=True)
def _english_and_seeded(request, django_db_blocker):
    """Every test starts in the deployment's language (a test that switched to Chinese must not
    leave the next one reading Chinese messages) and, when it uses the database, with the rows
    the migrations seed: a transactional test's flush empties every table, key groups included,
    for the tests after it. (pytest-django's own autouse fixture has opened the test's database
    by now: plugins' autouse fixtures come first.)"""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    uses_db = request.node.get_closest_marker("django_db") is not None or \
        bool({"db", "transactional_db", "live_server"} & set(request.fixturenames))
    if uses_db:
        import importlib

        from django.apps import apps

        from outbreakhq.core.models import KeyGroup

        with django_db_blocker.unblock():
            if not KeyGroup.objects.exists():
                importlib.import_module("outbreakhq.core.migrations.0003_key_groups").forwards(
                    apps, None)
    yield
    translation.deactivate()
