"""Write a scenario to a folder (Parquet or CSV, one file per table) and read it back.

The folder holds `scenario.json` (format version, seed, sizes, row counts) and `<table>.parquet`
or `<table>.csv`. A folder is written under a temporary name and renamed at the end, so a
crashed run never leaves a half-written scenario that looks complete.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from outbreakhq.simulate.output import FORMAT_VERSION, TABLES, Scenario

FORMATS = ("parquet", "csv")
TEXT_COLUMNS = ("code", "parent_code", "home_area_code", "area_code", "id_number", "phone",
                "origin_province")


class ScenarioFormatError(ValueError):
    """A folder that is not a scenario of a version this code reads."""


def write(scenario: Scenario, *, out: Path, fmt: str = "parquet") -> list[Path]:
    """Write every table; refuse to overwrite a folder that holds other files."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "scenario.json").exists():
        raise FileExistsError(f"{out} exists and is not a scenario folder; choose another")
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written = []
    for name in TABLES:
        path = staging / f"{name}.{fmt}"
        table = scenario.tables[name]
        if fmt == "parquet":
            pq.write_table(table, path, compression="zstd")
        else:
            pacsv.write_csv(table, path)
        written.append(out / path.name)
    meta = {**scenario.meta, "format": fmt}
    (staging / "scenario.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return written


def read(folder: Path) -> Scenario:
    """Read a scenario folder written by `write` (any format this version knows)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioFormatError(f"{folder} has no scenario.json") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ScenarioFormatError(
            f"{folder}: format version {meta.get('format_version')}, this code reads "
            f"{FORMAT_VERSION}")
    fmt = meta.get("format", "parquet")
    tables: dict[str, pa.Table] = {}
    for name in TABLES:
        path = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            tables[name] = pq.read_table(path)
        else:
            # Codes and numbers that are names, not quantities, stay strings.
            convert = pacsv.ConvertOptions(column_types=dict.fromkeys(TEXT_COLUMNS, pa.string()))
            tables[name] = pacsv.read_csv(path, convert_options=convert)
    return Scenario(meta=meta, tables=tables)
