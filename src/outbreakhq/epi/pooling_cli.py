"""`outbreakhq epi pooling --prevalence P --max-pool K [--format csv|json]`: the pooling
designs of epi/pooling.py, one row per design (pure: no database)."""

from __future__ import annotations

import csv
import io
import json

from outbreakhq.epi.pooling import designs

COLUMNS = ("design", "pool_sizes", "tests_per_person", "ratio_to_entropy_bound")


def add_arguments(parser) -> None:
    parser.add_argument("--prevalence", type=float, required=True,
                        help="share of people infected, e.g. 0.0005 for 0.05%%")
    parser.add_argument("--max-pool", type=int, required=True,
                        help="largest validated pool (swabs per tube)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def run(options: dict) -> str:
    rows = [{"design": d.design, "pool_sizes": d.pool_sizes,
             "tests_per_person": round(d.tests_per_person, 6),
             "ratio_to_entropy_bound": round(d.ratio_to_entropy_bound, 4)}
            for d in designs(options["prevalence"], options["max_pool"])]
    if options.get("format") == "json":
        return json.dumps(rows, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
