"""The cache the server's processes share (issue 15): the public support pages' per-address limit
holds across gunicorn workers, in the embedded default (files under the data folder) and with
Redis (OUTBREAKHQ_CACHE_URL). Each process below is a separate Python, as two workers are.

The import-preview limit needs no cache: it counts the user's audited previews in the database
(interop/previews.py), which every process shares; test_the_preview_limit_is_counted_in_the_
database checks that it does not depend on the cache."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from outbreakhq.settings import cache_from_url

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("OUTBREAKHQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_ALL = os.environ.get("OUTBREAKHQ_REQUIRE_ALL") == "1"
LIMIT = 20

# One "worker": counts `n` public requests from one address, prints how many were refused.
WORKER = """
import sys, django
django.setup()
from django.test import RequestFactory
from outbreakhq.support.views.public import over_limit
request = RequestFactory().get("/support/", REMOTE_ADDR=sys.argv[2])
print(sum(over_limit(request) for _ in range(int(sys.argv[1]))))
"""


def worker_env(data_dir: Path, cache_url: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"),
            "DJANGO_SETTINGS_MODULE": "outbreakhq.settings", "OUTBREAKHQ_DATA_DIR": str(data_dir),
            "OUTBREAKHQ_CACHE_URL": cache_url, "OUTBREAKHQ_DEBUG": "1",
            "OUTBREAKHQ_SECRET_KEY": "a-test-key-shared-by-both-processes-0123456789",
            "OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN": str(LIMIT)}


def refused_in_a_process(env: dict, requests: int, address: str) -> int:
    done = subprocess.run([sys.executable, "-c", WORKER, str(requests), address], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout.strip().splitlines()[-1])


def redis_reachable() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not redis_reachable():
        message = ("Redis is not reachable on 127.0.0.1:6379 (or the `redis` package is missing):"
                   " the shared-cache test with Redis did not run")
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


def test_the_default_cache_is_shared_by_the_processes_of_one_machine(tmp_path):
    """Two processes, one after the other, 15 requests each from the same address: the second
    sees the first one's 15, so 10 of its own are refused (the per-process memory cache, the
    old default, refused none)."""
    env = worker_env(tmp_path, "")
    assert refused_in_a_process(env, 15, "203.0.113.7") == 0
    assert refused_in_a_process(env, 15, "203.0.113.7") == 30 - LIMIT
    # Another address has its own count.
    assert refused_in_a_process(env, 15, "203.0.113.8") == 0


def test_with_redis_the_limit_holds_across_processes_even_at_once(tmp_path, redis_url):
    """Redis counts atomically: three processes at once, 15 requests each from one address, are
    refused exactly 45 - 20 times between them."""
    env = worker_env(tmp_path, redis_url)
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"  # a fresh count in a shared Redis
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    with ThreadPoolExecutor(3) as pool:
        refused = list(pool.map(lambda _: refused_in_a_process(env, 15, address), range(3)))
    assert sum(refused) == 45 - LIMIT
    assert refused_in_a_process(env, 1, address) == 1  # still counted, in a fourth process


def test_the_cache_url_chooses_the_backend(tmp_path):
    assert cache_from_url("", tmp_path)["BACKEND"].endswith("FileBasedCache")
    assert cache_from_url("", tmp_path)["LOCATION"] == str(tmp_path / "cache")
    redis_cache = cache_from_url("redis://127.0.0.1:6379/0", tmp_path)
    assert redis_cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis_cache["LOCATION"] == "redis://127.0.0.1:6379/0"
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        cache_from_url("memcached://127.0.0.1:11211", tmp_path)


@pytest.mark.django_db
def test_the_preview_limit_is_counted_in_the_database(settings):
    """A cleared cache does not reset the import-preview limit: the count is the audit trail's,
    which every server process reads."""
    from django.core.cache import cache

    from outbreakhq.core import audit
    from outbreakhq.core.actor import Actor
    from outbreakhq.core.errors import TooManyRequests
    from outbreakhq.interop import previews
    from tests.factories import make_user

    settings.OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN = 1
    actor = Actor.for_command(make_user("admin"))
    previews.guard(actor=actor, kind="cases", name="a.csv")  # none used yet
    audit.record(actor=actor, action="view", object_type=previews.PREVIEW, detail={})
    cache.clear()
    with pytest.raises(TooManyRequests):
        previews.guard(actor=actor, kind="cases", name="a.csv")
