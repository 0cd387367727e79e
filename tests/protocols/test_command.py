"""`outbreakhq protocol show|list`: the effective rules, as an operator checks them. No database."""

from __future__ import annotations

import json
import tomllib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from outbreakhq import protocols


def run(*args: str) -> str:
    out = StringIO()
    call_command("protocol", *args, stdout=out)
    return out.getvalue()


def test_show_prints_the_configured_preset_as_toml() -> None:
    with override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition", OUTBREAKHQ_PROTOCOL_OVERRIDES=""):
        rules = tomllib.loads(run("show"))
    assert rules == protocols.load("cn-9th-edition").model_dump(mode="json")


def test_show_applies_the_deployment_overrides() -> None:
    overrides = "grading.downgrade.medium.reading=press_summary"
    with override_settings(
        OUTBREAKHQ_PROTOCOL="cn-9th-edition", OUTBREAKHQ_PROTOCOL_OVERRIDES=overrides
    ):
        rules = tomllib.loads(run("show"))
    assert rules["grading"]["downgrade"]["medium"]["reading"] == "press_summary"


def test_show_named_preset_with_overrides_as_json() -> None:
    text = run(
        "show",
        "--name",
        "who-generic",
        "--overrides",
        "people.close_contact.followup_days=21",
        "--format",
        "json",
    )
    rules = json.loads(text)
    assert rules["meta"]["name"] == "who-generic"
    assert rules["people"]["close_contact"]["followup_days"] == 21


def test_show_refuses_an_unknown_override_key_with_its_name() -> None:
    with pytest.raises(CommandError, match=r"override 'grading.nope': no such key"):
        run("show", "--name", "cn-9th-edition", "--overrides", "grading.nope=1")


def test_show_refuses_an_unknown_preset_and_lists_the_available_ones() -> None:
    with pytest.raises(CommandError,
                       match=r"available: cn-20-measures, cn-9th-edition, who-generic"):
        run("show", "--name", "cn-10th-edition")


def test_list_marks_the_configured_preset() -> None:
    with override_settings(OUTBREAKHQ_PROTOCOL="who-generic"):
        lines = run("list").splitlines()
    assert any(line.startswith("* who-generic") for line in lines)
    assert any(line.startswith("  cn-9th-edition") for line in lines)


def test_current_follows_the_settings() -> None:
    protocols.reset_cache()
    with override_settings(
        OUTBREAKHQ_PROTOCOL="who-generic",
        OUTBREAKHQ_PROTOCOL_OVERRIDES="alerts.sample_overdue_hours=60",
    ):
        assert protocols.current().meta.name == "who-generic"
        assert protocols.current().alerts.sample_overdue_hours == 60
        assert protocols.current() is protocols.current()
