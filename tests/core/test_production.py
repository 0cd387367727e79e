"""Production settings: `check --deploy` is clean over HTTPS, the proxy header, and a fresh
checkout's commands work without an exported secret (the key is kept in the data folder) while
a placeholder secret is still refused."""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from outbreakhq import config, production

REAL_SECRET = secrets.token_urlsafe(50)
TEMPLATES = sorted(config.BASE_DIR.glob("**/templates/**/*.html"))


def outbreakhq(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The `outbreakhq` command in a fresh shell: no OUTBREAKHQ_ variable but the data folder."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("OUTBREAKHQ_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean.update(OUTBREAKHQ_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="outbreakhq.settings",
                 **env)
    return subprocess.run([sys.executable, "-m", "outbreakhq.cli", *args], env=clean,
                          capture_output=True, text=True, timeout=300)


def test_check_deploy_reports_nothing_over_https(tmp_path: Path) -> None:
    checked = outbreakhq(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                         OUTBREAKHQ_DEBUG="0", OUTBREAKHQ_SECRET_KEY=REAL_SECRET,
                         OUTBREAKHQ_HTTPS="1")
    assert checked.returncode == 0, checked.stderr
    assert "WARNING" not in checked.stderr + checked.stdout
    assert "identified no issues" in checked.stdout


def test_without_https_check_deploy_names_what_https_would_turn_on(tmp_path: Path) -> None:
    checked = outbreakhq(tmp_path, "check", "--deploy", OUTBREAKHQ_DEBUG="0",
                         OUTBREAKHQ_SECRET_KEY=REAL_SECRET)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in checked.stderr


def test_a_fresh_checkout_runs_its_commands_with_a_private_secret_kept_in_the_data_folder(
        tmp_path: Path) -> None:
    var = tmp_path / "var"
    shown = outbreakhq(var, "protocol", "show", OUTBREAKHQ_DEBUG="0")
    assert shown.returncode == 0, shown.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    key_file = var / production.SECRET_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50 and key != config.PLACEHOLDER_SECRET

    early = outbreakhq(var, "chains", "--format", "json", OUTBREAKHQ_DEBUG="0")
    assert early.returncode == 1
    assert "Run `outbreakhq migrate` first" in early.stderr and "Traceback" not in early.stderr

    migrated = outbreakhq(var, "migrate", OUTBREAKHQ_DEBUG="0")
    assert migrated.returncode == 0, migrated.stderr
    printed = outbreakhq(var, "shell", "-c",
                         "from django.conf import settings; print(settings.SECRET_KEY)",
                         OUTBREAKHQ_DEBUG="0")
    assert printed.stdout.strip().splitlines()[-1] == key


def test_an_exported_secret_wins_over_the_file_and_no_file_is_written(tmp_path: Path) -> None:
    shown = outbreakhq(tmp_path, "protocol", "list", OUTBREAKHQ_DEBUG="0",
                       OUTBREAKHQ_SECRET_KEY=REAL_SECRET)
    assert shown.returncode == 0, shown.stderr
    assert not (tmp_path / production.SECRET_FILE).exists()


@pytest.mark.parametrize("secret", [config.PLACEHOLDER_SECRET, "too-short"])
def test_an_exported_placeholder_or_short_secret_is_still_refused(
        tmp_path: Path, secret: str) -> None:
    refused = outbreakhq(tmp_path, "protocol", "show", OUTBREAKHQ_DEBUG="0",
                         OUTBREAKHQ_SECRET_KEY=secret)
    assert refused.returncode != 0
    assert "OUTBREAKHQ_SECRET_KEY is the placeholder" in refused.stderr


def test_a_short_key_in_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / production.SECRET_FILE).write_text("short\n")
    refused = outbreakhq(tmp_path, "protocol", "show", OUTBREAKHQ_DEBUG="0")
    assert refused.returncode != 0
    assert "OUTBREAKHQ_SECRET_KEY is the placeholder" in refused.stderr


def test_a_data_folder_that_cannot_be_written_leaves_the_placeholder_which_is_refused(
        tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder under a file cannot be made, even by root
    assert production.secret_key(blocker / "var") == config.PLACEHOLDER_SECRET
    refused = outbreakhq(blocker / "var", "protocol", "show", OUTBREAKHQ_DEBUG="0")
    assert refused.returncode != 0
    assert "OUTBREAKHQ_SECRET_KEY is the placeholder" in refused.stderr


@pytest.mark.parametrize(("value", "header"), [
    ("", None),
    ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
    (" x-forwarded-ssl = on ", ("HTTP_X_FORWARDED_SSL", "on")),
])
def test_the_proxy_header_setting_becomes_djangos_secure_proxy_ssl_header(
        value: str, header: tuple[str, str] | None) -> None:
    assert production.proxy_ssl_header(value) == header


def test_every_response_carries_the_content_security_policy() -> None:
    policy = Client().get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert (directives["base-uri"], directives["form-action"]) == ("'self'", "'self'")
    assert "unsafe" not in policy
    assert settings.SECURE_CSP == production.CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_only_the_api_docs_page_may_show_data_images(admin_client: Client) -> None:
    docs = admin_client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "img-src 'self' data:" in docs["Content-Security-Policy"]
    assert "unsafe" not in docs["Content-Security-Policy"]
    assert "data:" not in admin_client.get("/api/v1/areas/")["Content-Security-Policy"]


# What the policy refuses, found before a browser test would: an inline script (a <script> with
# no src, other than a JSON data block), a <style> element or attribute, an event handler, a
# javascript: link.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|<style|"
                    r"\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(config.BASE_DIR)))
def test_no_template_has_an_inline_script_style_or_event_handler(template: Path) -> None:
    found = INLINE.findall(template.read_text(encoding="utf-8"))
    assert not found, f"{template.name}: {found} (the Content-Security-Policy refuses them)"


def test_the_template_check_finds_what_the_policy_refuses() -> None:
    for html in ('<script>alert(1)</script>', '<div style="color:red">', '<style>p{}</style>',
                 '<select onchange="go()">', '<a href="javascript:history.back()">'):
        assert INLINE.search(html), html
    for html in ('<script src="/static/app.js" defer></script>', '<select data-autosubmit>',
                 '<script type="application/json" id="data">{}</script>'):
        assert not INLINE.search(html), html
