"""Settings for the test run: the project's settings with debug on and a throw-away data folder.
Set here, not in conftest.py, because pytest-django imports settings before any conftest."""

import os
import tempfile

os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")
os.environ.setdefault("OUTBREAKHQ_DATA_DIR", tempfile.mkdtemp(prefix="outbreakhq-test-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker (tests/run.py runs two per pass) gets a data folder of its own: the
    # folder the controller made is shared by all of them (files, the file cache, its limits).
    os.environ["OUTBREAKHQ_DATA_DIR"] = tempfile.mkdtemp(
        prefix=f"outbreakhq-test-{os.environ['PYTEST_XDIST_WORKER']}-")
# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to run
# beside it. The tests drive the browser and the ORM in turn, never at once.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from outbreakhq.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # One test database per run, so runs side by side (engineers, CI) never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_outbreakhq_{os.getpid()}"}  # noqa: F405

# The test client's login() authenticates without a request: see tests/auth_backends.py.
AUTHENTICATION_BACKENDS = ["tests.auth_backends.AxesBackendAllowingTestClientLogin",  # noqa: F405
                           *AUTHENTICATION_BACKENDS[1:]]  # noqa: F405
