"""Identity documents: validation and normalisation. Pure Python, no Django.

The 18-digit Chinese resident identity number (GB 11643-1999): 6 digits of the issuing area,
8 of the birth date (YYYYMMDD), 3 of sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"



def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (makemessages looks for this name) without
    importing Django, so this module stays pure; callers translate with `localised()`."""
    return message


# Other documents are checked by shape only: their issuers publish no checksum.
# re.ASCII: \d must not accept Arabic-Indic or other non-ASCII digits.
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "passport": (re.compile(r"^[A-Z0-9]{5,17}$"), gettext_noop("5 to 17 letters or digits")),
    "hk_macau": (re.compile(r"^[HM]\d{8}(\d{2})?$", re.ASCII),
                 gettext_noop("H or M followed by 8 or 10 digits")),
    "taiwan": (re.compile(r"^\d{8}$", re.ASCII), gettext_noop("8 digits")),
    "foreign_resident": (re.compile(r"^([A-Z]{3}\d{12}|9\d{17})$", re.ASCII),
                         gettext_noop("3 letters and 12 digits, or 18 digits starting with 9")),
    "other": (re.compile(r"^[A-Z0-9\-]{1,40}$"), gettext_noop("letters, digits or dashes")),
}
# The kinds as they read inside "does not look like a … number" (the translations say them well).
KINDS = {"passport": gettext_noop("passport"), "hk_macau": gettext_noop("hk macau"),
         "taiwan": gettext_noop("taiwan"), "foreign_resident": gettext_noop("foreign resident"),
         "other": gettext_noop("other")}


class InvalidDocument(ValueError):
    """The reason, written for the person typing the number: str() gives it in English,
    `localised(gettext)` in the reader's language (text parameters are translated too)."""

    def __init__(self, template: str, **params: str) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)

    def localised(self, translate: Callable[[str], str]) -> str:
        text = translate(self.template)
        if not self.params:
            return text
        return text % {k: translate(v) if isinstance(v, str) else v
                       for k, v in self.params.items()}


def cn_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def cn_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def cn_sex(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"


def validate_cn_resident_id(number: str, *, today: date | None = None) -> str:
    """Return the normalised number (upper-case X) or raise InvalidDocument saying why."""
    value = unicodedata.normalize("NFKC", number).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value, re.ASCII):
        raise InvalidDocument(
            gettext_noop("must be 17 digits followed by a digit or X (18 characters)"))
    try:
        born = cn_birth_date(value)
    except ValueError:
        raise InvalidDocument(gettext_noop("digits 7–14 (%(digits)s) are not a valid birth date"),
                              digits=value[6:14]) from None
    if born > (today or date.today()) or born.year < 1880:
        raise InvalidDocument(gettext_noop("birth date %(born)s in the number is impossible"),
                              born=born.isoformat())
    expected = cn_check_character(value[:17])
    if value[17] != expected:
        raise InvalidDocument(
            gettext_noop("check character is %(got)s, expected %(want)s: a digit is mistyped"),
            got=value[17], want=expected)
    return value


def normalise_document(id_type: str, number: str) -> str:
    """Validate a document number of the given type; return it normalised."""
    if id_type == "none":
        if number.strip():
            raise InvalidDocument(
                gettext_noop("a number was given but the document type is 'no document'"))
        return ""
    # NFKC turns the full-width digits and letters of Chinese input methods into ASCII.
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()
    if not value:
        raise InvalidDocument(gettext_noop("the document number is empty"))
    if id_type == "cn_resident":
        return validate_cn_resident_id(value)
    if id_type not in PATTERNS:
        raise InvalidDocument(gettext_noop("unknown document type %(kind)s"), kind=repr(id_type))
    pattern, shape = PATTERNS[id_type]
    if not pattern.fullmatch(value):
        raise InvalidDocument(gettext_noop("does not look like a %(kind)s number (%(shape)s)"),
                              kind=KINDS[id_type], shape=shape)
    return value
