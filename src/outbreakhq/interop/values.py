"""Normalising the values of an imported file: dates in the shapes people type, and the many
words used for each coded value (an app's importer gives its own tables, built with `table`).

Pure Python, no database: each converter takes the raw cell (a string, or a date or number from a
spreadsheet) and returns the stored value or raises ValueError with a reason for the person who
will fix the file. Synonyms are matched after lower-casing and removing spaces, dashes and
underscores, so "Close contact", "close_contact" and "CLOSE-CONTACT" are one word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from django.utils.translation import gettext as _

# Each stored value also accepts its own code (added in `table` below).
SEX = {"M": ("男", "男性", "male", "man", "m"), "F": ("女", "女性", "female", "woman", "f"),
       "U": ("未知", "不详", "unknown", "u", "")}
ID_TYPE = {
    "cn_resident": ("身份证", "居民身份证", "身份证号", "resident id", "id card", "cn"),
    "passport": ("护照", "passport"),
    "hk_macau": ("港澳居民来往内地通行证", "回乡证", "港澳通行证"),
    "taiwan": ("台湾居民来往大陆通行证", "台胞证"),
    "foreign_resident": ("外国人永久居留身份证", "外国人永久居留证", "永居证"),
    "other": ("其他", "其他证件", "other"),
    "none": ("无", "无证件", "none", "no document"),
}

_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_SEP_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def squash(text: str) -> str:
    """The form synonyms are compared in: NFKC (full-width to ASCII), lower case, no spaces,
    dashes or underscores."""
    return re.sub(r"[\s\-_]+", "", unicodedata.normalize("NFKC", text)).lower()


def table(choices: Mapping, names: Mapping[str, str]) -> dict[str, str]:
    """{squashed word -> stored value} of one coded field: each value's own code, its English
    name (`names`, from `labels`) and the words of `choices`."""
    found: dict[str, str] = {}
    for value, words in choices.items():
        for word in (str(value), str(names.get(value, "")), *words):
            if word or value == "U":
                found.setdefault(squash(word), str(value))
    return found


def labels(choices) -> dict[str, str]:
    # English labels, whatever the active language: files are written in English or Chinese,
    # and the Chinese words are in the tables above.
    from django.utils import translation

    with translation.override("en"):
        return {str(value): str(label) for value, label in choices.choices}


def person_synonyms() -> dict[str, dict[str, str]]:
    """The person's coded fields (core's Person): field kind -> {squashed word -> value}."""
    return {"sex": table(SEX, {}), "id_type": table(ID_TYPE, {})}


def to_choice(kind: str, raw: object, table: Mapping[str, str]) -> str:
    text = text_of(raw)
    value = table.get(squash(text))
    if value is None:
        known = sorted(set(table.values()))
        raise ValueError(_("%(value)r is not a known %(kind)s (use one of %(known)s)")
                         % {"value": text, "kind": kind.replace("_", " "),
                            "known": ", ".join(known)})
    return value


def to_date(raw: object) -> date | None:
    """ISO dates, 2022/8/15, 2022.8.15, 2022年8月15日, 20220815, or a spreadsheet date."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = unicodedata.normalize("NFKC", text_of(raw))
    match = _CN_DATE.match(text) or _SEP_DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise ValueError(_("%(value)r is not a date (write 2022-08-15, 2022/8/15 or "
                           "2022年8月15日)") % {"value": text})
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(_("%(value)r is not a day of the calendar") % {"value": text}) from None


def formula_like(text: str) -> bool:
    """Would a spreadsheet run this text as a formula? (=, @, or + and - not starting a
    number: "+8613800000000" stays a phone number.)"""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and not re.fullmatch(r"[+-][\d .]*", text)


def text_of(raw: object) -> str:
    """A cell as text. Whole numbers lose their '.0' (spreadsheets store 42 as 42.0); the
    apostrophe our export puts before formula-like text is taken off again."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def document_number(raw: object) -> str:
    """Identity numbers must arrive as text: a spreadsheet that stored an 18-digit number as a
    number has already rounded its last digits, and importing it would register a wrong person."""
    if isinstance(raw, float) or (isinstance(raw, int) and abs(raw) >= 10**15):
        raise ValueError(_("is stored as a number, which loses digits; format the column as "
                           "text and type the numbers again"))
    return text_of(raw)
