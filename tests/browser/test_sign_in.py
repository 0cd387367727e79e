"""Signing in as people do it: a commander turns on two-factor sign-in and signs in with a code;
someone guessing a password meets the locked-out page; the login page on a phone."""

from __future__ import annotations

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_commander_turns_on_two_factor_and_signs_in_with_a_code(page):
    land = territory()
    chief = make_user("commander", land.region, username="chief")

    log_in(page, "chief", PASSWORD)
    page.get_by_role("link", name="Two-factor", exact=True).click()
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    secret = re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$")  # base32 in groups of four
    expect(page.locator("#two-factor-secret")).to_have_text(secret)
    shot(page, "two-factor-enrol")
    device = TOTPDevice.objects.get(user=chief)
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#two-factor-status")).to_contain_text("Two-factor sign-in is on")
    shot(page, "two-factor-on")

    page.get_by_role("button", name="Log out").click()
    # The server keeps the clock drift it saw at enrolment (a code typed as the 30 s step turned
    # is matched one step back): compute the next code with what the server now holds.
    device.refresh_from_db()
    log_in(page, "chief", PASSWORD)
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")
    page.fill("#id_code", "000000" if _code(device, 1) != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".problem")).to_contain_text("That code is not right")
    shot(page, "two-factor-wrong-code")
    time.sleep(1.1)  # django-otp lets the next try through one second after a wrong code
    page.fill("#id_code", _code(device, 1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("Overview"))
    expect(page.locator("header.top")).to_contain_text("chief")


def test_guessing_a_password_meets_the_locked_out_page_even_on_a_phone(page):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/login/")
    shot(page, "login-390px")
    for control in ("#id_username", "#id_password", "button[type=submit]"):
        box = page.locator(control).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, control
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.expected_console_errors.append("status of 429 (Too Many Requests)")
    for _ in range(4):
        log_in(page, "tina", "not-the-password")
        expect(page.locator(".problem")).to_contain_text("Wrong user name or password")
    log_in(page, "tina", "not-the-password")  # the fifth failure locks
    expect(page.locator("h1")).to_have_text("Sign-in locked for now")
    log_in(page, "tina", PASSWORD)  # the right password does not get through the lock
    expect(page.locator("h1")).to_have_text("Sign-in locked for now")
    expect(page.locator("#locked-out")).to_contain_text("Try again after")
    shot(page, "locked-out-390px")

    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("#id_username", "tina")
    page.fill("#id_password", PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#locked-out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shot(page, "locked-out-zh-390px")


def test_administrator_unlocks_a_tracer_who_mistyped_her_password(page, browser, live_server):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    make_user("admin", land.region, username="ada")
    page.expected_console_errors.append("status of 429 (Too Many Requests)")
    for _ in range(5):
        log_in(page, "tina", "not-the-password")
    expect(page.locator("h1")).to_have_text("Sign-in locked for now")

    admin = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    log_in(admin, "ada", PASSWORD)
    admin.get_by_role("link", name="Sign-in locks").click()
    row = admin.locator("#locks tbody tr")
    expect(row).to_contain_text("tina")
    shot(admin, "sign-in-locks")
    row.get_by_role("button", name="Unlock").click()
    expect(admin.locator(".messages")).to_contain_text("Unlocked tina")
    expect(admin.locator(".empty").first).to_contain_text("No sign-in is locked")
    admin.context.close()

    log_in(page, "tina", PASSWORD)
    expect(page).to_have_title(re.compile("Overview"))
