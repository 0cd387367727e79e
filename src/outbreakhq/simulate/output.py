"""The scenario output format (FORMAT_VERSION 1): named Arrow tables, documented in
docs/simulator.md. Dates are calendar dates (the scenario starts on `start_date`, day 0); codes
and enumerations are strings, so the files read the same in pandas, DuckDB or a spreadsheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from outbreakhq.simulate.detection import CLASSES, ROUTES
from outbreakhq.simulate.key_groups import KEY_GROUPS
from outbreakhq.simulate.places import PLACE_TYPES
from outbreakhq.simulate.state import INFECTION_SETTINGS, NEVER
from outbreakhq.simulate.support import REQUEST_KINDS, URGENCY
from outbreakhq.simulate.territory import LEVELS
from outbreakhq.simulate.tracer import CATEGORIES, CONTACT_TYPES, RULES

FORMAT_VERSION = 1
SEVERITIES = ("mild", "moderate", "severe", "critical")
CLASSIFICATIONS = ("confirmed", "asymptomatic")
SETTING_NAMES = ("none", "centralised", "home")
TABLES = ("areas", "key_groups", "households", "places", "persons", "person_key_groups",
          "infections", "cases", "contacts", "quarantine_stays", "tubes", "recalls",
          "tube_members", "support_requests", "stranded_travellers", "daily")


@dataclass
class Scenario:
    meta: dict[str, object]
    tables: dict[str, pa.Table] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pa.Table:
        return self.tables[name]


class Encoder:
    """Turns engine arrays (days, codes, indices) into Arrow columns."""

    def __init__(self, start: date, territory_codes: np.ndarray) -> None:
        self.epoch_day = (start - date(1970, 1, 1)).days
        self.codes = pa.array(territory_codes.astype(str))

    def dates(self, days: np.ndarray) -> pa.Array:
        days = np.asarray(days, dtype=np.int64)
        never = days >= NEVER // 2
        return pa.array((days + self.epoch_day).astype(np.int32), type=pa.date32(), mask=never)

    @staticmethod
    def labels(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
        codes = np.asarray(codes, dtype=np.int64)
        return pc.take(pa.array(names), pa.array(codes, mask=codes < 0))

    @staticmethod
    def ids(values: np.ndarray) -> pa.Array:
        """Integer ids where -1 means none."""
        return pa.array(values, mask=np.asarray(values) < 0)

    def area(self, rows: np.ndarray) -> pa.Array:
        return pc.take(self.codes, pa.array(np.asarray(rows, dtype=np.int64)))


__all__ = ["CATEGORIES", "CLASSES", "CLASSIFICATIONS", "CONTACT_TYPES", "FORMAT_VERSION",
           "INFECTION_SETTINGS", "KEY_GROUPS", "LEVELS", "PLACE_TYPES", "REQUEST_KINDS",
           "ROUTES", "RULES", "SETTING_NAMES", "SEVERITIES", "TABLES", "URGENCY", "Encoder",
           "Scenario"]
