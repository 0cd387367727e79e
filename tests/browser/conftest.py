"""Playwright driving Debian's Chromium against Django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("OUTBREAKHQ_SCREENSHOTS", Path(__file__).parents[2] / "screenshots"))


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test; fails the test on any JavaScript error in the console."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(10_000)
    # A test that expects an error status on a page (e.g. 429 for a sign-in lockout) lists the
    # console text it expects here; Chromium reports any 4xx document as a console error.
    page.expected_console_errors = []
    yield page
    context.close()
    errors = [e for e in errors if not any(x in e for x in page.expected_console_errors)]
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
