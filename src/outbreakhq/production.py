"""Production settings that need more than one line: where the secret key comes from, the proxy
header that says a request came in over HTTPS, and the Content-Security-Policy.

`settings.py` reads these in its "production" block; they are here so that they can be tested
without importing the settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.utils.csp import CSP

from outbreakhq import config

SECRET_FILE = "secret_key"


def secret_key(data_dir: Path) -> str:
    """The secret key: OUTBREAKHQ_SECRET_KEY if set, else the one in DATA_DIR/secret_key.

    A fresh checkout has neither; rather than make every command (`migrate`, `protocol show`,
    `import …`) demand an exported secret, a random one is written to the data folder, readable
    by its owner only, and every later command and server of that folder uses the same one (so
    sessions and signed links survive a restart). When the folder cannot be written the
    placeholder comes back, and `settings.check_secret` refuses it outside debug mode.
    """
    if config.is_set("OUTBREAKHQ_SECRET_KEY"):
        return config.get("OUTBREAKHQ_SECRET_KEY")
    path = data_dir / SECRET_FILE
    try:
        return _read_or_create(path)
    except OSError:
        return config.PLACEHOLDER_SECRET


def _read_or_create(path: Path) -> str:
    if not path.exists():
        # A data folder made here is its owner's alone: it will hold the database and exports.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            # O_EXCL: of two commands started at once, one writes and the other reads its key.
            # The mode is set at creation, so the key is never readable by others, even briefly.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text(encoding="ascii").strip()


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` (meaning `X-Forwarded-Proto: https`) or `X-Forwarded-Ssl=on` as
    Django's SECURE_PROXY_SSL_HEADER, `("HTTP_X_FORWARDED_PROTO", "https")`; empty: None."""
    name, _, expected = value.partition("=")
    name = name.strip()
    if not name:
        return None
    return "HTTP_" + name.upper().replace("-", "_"), expected.strip() or "https"


# Every script and style comes from our own static files: no inline <script>, no event-handler
# attribute, no style="" and no <style> element (htmx's indicator style is off, see base.html).
# An injected tag or attribute therefore runs nothing, even if it slipped past escaping.
CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}

# The interactive API docs (django-ninja's bundled Swagger UI) draw their icons as data: images
# and set style attributes from script; only that page is allowed those two things.
API_DOCS_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "img-src": [CSP.SELF, "data:"],
}


def gunicorn_arguments(*, bind: str, workers: int, threads: int, keepalive: int,
                       request_timeout: int) -> list[str]:
    """How `outbreakhq serve` runs gunicorn (docs/operations.md, "Serving under load").

    - gthread workers: each process serves `threads` requests at once; a slow database answer
      holds one thread, not the process.
    - keep-alive longer than the idle timeout of any proxy in front (nginx and the cloud load
      balancers close idle connections after 60 s): gunicorn's default of 2 s raced clients
      that reused a connection just as it closed, and reset one request in 240 (issue 15).
    - the hard time-out is the request time-out plus a margin: the request time-out answers a
      clear 503 page first (core/middleware.py); gunicorn replaces a worker only if that
      failed. `--graceful-timeout` lets requests in flight finish on a restart.
    - `--max-requests` (with jitter) replaces each worker now and then, so memory a worker
      gathered (a large page, a big upload) is given back. Not too often: at the 9 a.m. surge
      (350 requests a second) 5,000 replaced each worker every 30 s, and each replacement drops
      the worker's idle kept-alive connections and its caches (core/kept.py).
    """
    return [
        "--bind", bind, "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread",
        "--keep-alive", str(keepalive),
        "--timeout", str(request_timeout + 30), "--graceful-timeout", "30",
        "--max-requests", "50000", "--max-requests-jitter", "5000",
        "--backlog", "2048",
        "--access-logfile", "-",
    ]
