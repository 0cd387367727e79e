"""`outbreakhq serve --get PATH`, the deployment smoke test: one request in-process, 200 or fail,
also when the site redirects plain HTTP to HTTPS."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_the_smoke_test_answers_the_login_page() -> None:
    out = io.StringIO()
    call_command("serve", get="/login/", stdout=out)
    assert 'name="username"' in out.getvalue()


@override_settings(SECURE_SSL_REDIRECT=True)
def test_the_smoke_test_asks_over_https_when_plain_http_is_redirected() -> None:
    call_command("serve", get="/login/", stdout=io.StringIO())


def test_the_smoke_test_fails_unless_the_answer_is_200() -> None:
    with pytest.raises(CommandError, match="answered 302, not 200"):
        call_command("serve", get="/people/", stdout=io.StringIO())


def test_the_production_server_can_collect_every_static_file(tmp_path, settings) -> None:
    """`serve` runs collectstatic with the manifest storage, which follows every reference a
    CSS or JS file makes (a vendored library naming a source map that is not shipped stopped
    the demo's server from starting)."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
