"""`outbreakhq zones replay`: the clocks over an events file, no database."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from outbreakhq.protocols import load
from outbreakhq.zones.replay import EventsFileError, read_events, run_file
from outbreakhq.zones.rules import ClockRules

RULES = ClockRules.from_grading(load("cn-9th-edition").grading)
FILE = ("date,area,event\n2022-08-01,A1,infection\n2022-08-08,A1,round_negative\n"
        "2022-08-03,B2,stay\n")


def test_replay_prints_one_row_per_area_and_day(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text(FILE)
    call_command("zones", "replay", "--events", str(path), "--until", "2022-08-12")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "date,area,grade"
    assert "2022-08-08,A1,high" in lines and "2022-08-09,A1,medium" in lines
    assert lines[-1] == "2022-08-12,B2,medium" and "2022-08-12,A1,low" in lines
    assert len(lines) == 1 + 12 + 10


def test_replay_default_until_is_30_days_after_the_last_event():
    rows = json.loads(run_file(FILE, RULES, fmt="json"))
    assert rows[-1] == {"date": "2022-09-07", "area": "B2", "grade": "medium"}


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_printed(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text("date,area,event\n2022-02-30,A1,infection\n2022-08-01,A1,party\n"
                    "2022-08-01,,stay\n")
    with pytest.raises(CommandError) as exc:
        call_command("zones", "replay", "--events", str(path))
    message = str(exc.value)
    assert "row 2, column date: '2022-02-30' is not a date" in message
    assert "row 3, column event: unknown event 'party'" in message
    assert "row 4, column area: empty" in message
    assert capsys.readouterr().out == ""


def test_missing_column_is_named():
    with pytest.raises(EventsFileError, match="row 1: missing column event"):
        read_events("date,area\n2022-08-01,A1\n")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("zones", "replay", "--events", str(tmp_path / "none.csv"))


def test_header_case_and_extra_columns_do_not_matter():
    events = read_events("Date,Area,Event,note\n2022-08-01,A1,INFECTION,x\n")
    assert events[0][0] == "A1" and events[0][1].kind == "infection"
