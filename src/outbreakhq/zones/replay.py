"""`outbreakhq zones replay`: the clocks over an events file, no database (pure Python).

The file has the columns `date, area, event` (more columns are ignored); `event` is one of
infection, stay, round_negative, round_positive. A problem names the row (the header is row 1)
and the column, and nothing is printed when any row is wrong.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date

from outbreakhq.zones.rules import (
    INFECTION,
    ROUND_NEGATIVE,
    ROUND_POSITIVE,
    STAY,
    AreaEvent,
    ClockRules,
    replay,
)

FILE_EVENTS = (INFECTION, STAY, ROUND_NEGATIVE, ROUND_POSITIVE)
COLUMNS = ("date", "area", "event")


class EventsFileError(ValueError):
    """The file cannot be replayed; the message lists every problem, `row N, column C: reason`."""


def read_events(text: str) -> list[tuple[str, AreaEvent]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or ()]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise EventsFileError("row 1: missing column " + ", ".join(missing)
                              + f" (the file needs {', '.join(COLUMNS)})")
    reader.fieldnames = header
    events, problems = [], []
    for number, row in enumerate(reader, start=2):
        raw_day, area = (row.get("date") or "").strip(), (row.get("area") or "").strip()
        kind = (row.get("event") or "").strip().lower()
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            problems.append(f"row {number}, column date: {raw_day!r} is not a date (YYYY-MM-DD)")
            day = None
        if not area:
            problems.append(f"row {number}, column area: empty")
        if kind not in FILE_EVENTS:
            problems.append(f"row {number}, column event: unknown event {kind!r}; expected one "
                            f"of {', '.join(FILE_EVENTS)}")
        if day and area and kind in FILE_EVENTS:
            events.append((area, AreaEvent(day, kind, ref=f"row {number}")))
    if problems:
        raise EventsFileError("\n".join(problems))
    return events


def render(rows: Iterable[tuple[date, str, str | None]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{"date": d.isoformat(), "area": a, "grade": g or ""}
                           for d, a, g in rows], ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("date", "area", "grade"))
    writer.writerows((d.isoformat(), a, g or "") for d, a, g in rows)
    return out.getvalue()


def run_file(text: str, rules: ClockRules, *, until: date | None = None,
             fmt: str = "csv") -> str:
    """The whole command: read, check, replay, render."""
    return render(replay(rules, read_events(text), until), fmt)
