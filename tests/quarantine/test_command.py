"""`outbreakhq quarantine schedule`: the schedule of a stay under the deployment's preset."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("quarantine", "schedule", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@override_settings(OUTBREAKHQ_PROTOCOL="cn-20-measures")
def test_the_schedule_prints_one_csv_row_per_day_under_the_deployments_preset():
    lines = run("--kind", "close_contact", "--start", "2022-11-11").splitlines()
    assert lines[0] == "day,date,phase,test"
    assert lines[1] == "1,2022-11-11,quarantine,true"
    assert lines[4] == "4,2022-11-14,quarantine,false"
    assert lines[6] == "6,2022-11-16,home_monitoring,true"
    assert len(lines) == 9


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_the_json_schedule_follows_the_ninth_edition():
    days = json.loads(run("--kind", "inbound_traveller", "--start", "2022-06-28",
                          "--format", "json"))
    assert len(days) == 10
    assert days[-1] == {"day": 10, "date": "2022-07-07", "phase": "home_monitoring",
                        "test": True}


@override_settings(OUTBREAKHQ_PROTOCOL="who-generic")
def test_a_kind_without_quarantine_prints_the_header_only():
    assert run("--kind", "inbound_traveller", "--start", "2022-06-28") == "day,date,phase,test\n"


def test_an_unknown_kind_or_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="--kind: unknown kind 'sailor'"):
        run("--kind", "sailor", "--start", "2022-06-28")
    with pytest.raises(CommandError, match="--start: '2022-02-30' is not a date"):
        run("--kind", "close_contact", "--start", "2022-02-30")
