"""`outbreakhq epi rt`: EpiEstim's estimate_R (Cori et al. 2013) on an incidence file.

    outbreakhq epi rt --incidence cases.csv --si-mean 4.8 --si-sd 2.3 [--window 7]
    outbreakhq epi rt --incidence cases.csv --si-distr si.csv --format json

The incidence file (CSV) has a `date` or `day` column (consecutive days, ascending) and either
one count column (`I` or `cases`) or `local` and `imported`. The serial-interval file holds one
probability per line, or a column `si`, from day 0 (which must be 0).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, timedelta
from pathlib import Path

from outbreakhq.epi.rt import estimate_r

COLUMNS = ("t_start", "t_end", "mean", "std", "q0.025", "q0.05", "q0.25", "median", "q0.75",
           "q0.95", "q0.975")


def add_arguments(parser) -> None:
    parser.add_argument("--incidence", required=True, metavar="FILE.csv",
                        help="date or day; I or cases, or local and imported")
    si = parser.add_mutually_exclusive_group(required=True)
    si.add_argument("--si-mean", type=float, metavar="M", help="serial interval mean (days)")
    si.add_argument("--si-distr", metavar="FILE.csv",
                    help="serial interval from day 0: one probability a line or a column si")
    parser.add_argument("--si-sd", type=float, metavar="S", help="serial interval sd (days)")
    parser.add_argument("--window", type=int, default=7, help="days per window (7)")
    parser.add_argument("--prior-mean", type=float, default=5.0)
    parser.add_argument("--prior-sd", type=float, default=5.0)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as problem:
        raise ValueError(f"{path}: cannot read it ({problem.strerror or problem})") from problem


def _count(raw: str, where: str) -> int:
    text = (raw or "").strip()
    if text in ("", "NA"):
        return 0
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None
    if value < 0 or value != int(value):
        raise ValueError(f"{where}: {text!r} is not a whole number >= 0")
    return int(value)


def read_incidence(path: str) -> tuple[list[int] | None, list[int] | None, list[int] | None]:
    """(cases, local, imported): one of the two forms, the others None."""
    rows = list(csv.DictReader(io.StringIO(_read(path))))
    name = Path(path).name
    if not rows:
        raise ValueError(f"{name}: no rows")
    columns = {c.strip().lower(): c for c in rows[0] if c}
    key = columns.get("date") or columns.get("day")
    if key is None:
        raise ValueError(f"{name}: needs a column date or day")
    if "local" in columns:
        if "imported" not in columns:
            raise ValueError(f"{name}: a column local needs a column imported")
        wanted = [columns["local"], columns["imported"]]
    elif columns.get("i") or columns.get("cases"):
        wanted = [columns.get("i") or columns["cases"]]
    else:
        raise ValueError(f"{name}: needs a column I or cases, or columns local and imported")
    previous = None
    series: list[list[int]] = [[] for _ in wanted]
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        raw = (row.get(key) or "").strip()
        try:
            when = date.fromisoformat(raw) if columns.get("date") == key else int(raw)
        except ValueError:
            kind = "date (YYYY-MM-DD)" if columns.get("date") == key else "day number"
            raise ValueError(f"{name} row {number}, column {key}: {raw!r} is not a {kind}"
                             ) from None
        if previous is not None:
            step = (when - previous).days if isinstance(when, date) else when - previous
            if step != 1:
                expected = (previous + timedelta(days=1) if isinstance(when, date)
                            else previous + 1)
                raise ValueError(f"{name} row {number}, column {key}: expected {expected} "
                                 f"(consecutive days, ascending), found {raw}")
        previous = when
        for values, column in zip(series, wanted, strict=True):
            values.append(_count(row.get(column), f"{name} row {number}, column {column}"))
    if len(wanted) == 2:
        return None, series[0], series[1]
    return series[0], None, None


def read_si(path: str) -> list[float]:
    name = Path(path).name
    lines = [line.strip() for line in _read(path).splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{name}: no serial interval")
    values, start = lines, 1
    header = [c.strip().lower() for c in lines[0].split(",")]
    if "si" in header:
        column = header.index("si")
        values = [line.split(",")[column] if len(line.split(",")) > column else ""
                  for line in lines[1:]]
        start = 2
    out = []
    for number, raw in enumerate(values, start=start):
        try:
            out.append(float(raw.strip()))
        except ValueError:
            raise ValueError(f"{name} line {number}: {raw!r} is not a probability") from None
    return out


def run(options: dict) -> str:
    cases, local, imported = read_incidence(options["incidence"])
    if options.get("si_distr"):
        si = {"si_distr": read_si(options["si_distr"])}
    else:
        if options.get("si_sd") is None:
            raise ValueError("--si-mean needs --si-sd")
        si = {"si_mean": options["si_mean"], "si_sd": options["si_sd"]}
    found = estimate_r(cases, local=local, imported=imported, window=options.get("window", 7),
                       prior_mean=options.get("prior_mean", 5.0),
                       prior_sd=options.get("prior_sd", 5.0), **si)
    rows = [[e.t_start, e.t_end, e.mean, e.std, *e.quantiles] for e in found]
    if options.get("format") == "json":
        return json.dumps([dict(zip(COLUMNS, [None if isinstance(v, float) and math.isnan(v)
                                              else v for v in r], strict=True)) for r in rows],
                          indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([*r[:2], *(f"{v:.6g}" for v in r[2:])])
    return out.getvalue()
