"""Control characters: refused at the door in every text field, cleaned from what older data
holds on the way out (issue 15).

A control character in a field is never meant: it comes from a paste (Word's vertical tab for a
soft line break), a broken file or a fuzzer. PostgreSQL cannot store NUL, and XLSX cannot hold
any control character but tab, line feed and carriage return (openpyxl raises
IllegalCharacterError, so one such note made the export of a whole scope fail).

- `INLINE`: a one-line value (a person's name, an identity number) holds none at all.
- `FREE_TEXT`: any text field holds none but tab, line feed and carriage return (notes are
  typed over several lines). `RefuseControlCharactersMiddleware` (core/middleware.py) applies
  this to every form field, query parameter and JSON string before any view runs.
- `printable(value)`: the same characters removed, for exports of data written before the rule.
"""

from __future__ import annotations

import re

INLINE = re.compile(r"[\x00-\x1f\x7f]")
FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character(value: str, *, inline: bool = False) -> str | None:
    """The first control character the value holds, written as its code point ("U+0007"), or
    None."""
    found = (INLINE if inline else FREE_TEXT).search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def printable(value):
    """Strings without the characters XLSX cannot hold; anything else unchanged."""
    return FREE_TEXT.sub("", value) if isinstance(value, str) else value
