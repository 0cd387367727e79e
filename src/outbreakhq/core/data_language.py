"""The language of names written as data, such as the demo's teams, sites and labs: the
deployment's (settings.LANGUAGE_CODE, set by OUTBREAKHQ_LANGUAGE), not the reader's. A record
keeps one name whoever reads it, so such names are words of a table, not interface strings
for gettext.

Each app keeps its own words, {"en": {...}, "zh": {...}}, with "{area}" where an area's name
goes; `names_in` picks the words and the name column of the areas (the simulator's and
core.Area's name_en / name_zh) together: Chinese for any zh-* code, else English.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings


def names_in(table: Mapping[str, Mapping[str, str]], language: str | None = None
             ) -> tuple[str, Mapping[str, str]]:
    """(the areas' name column, the words of `table`) for a language code, by default the
    deployment's: ("name_zh", table["zh"]) for zh-*, else ("name_en", table["en"])."""
    language = settings.LANGUAGE_CODE if language is None else language
    key = "zh" if (language or "").startswith("zh") else "en"
    return f"name_{key}", table[key]
