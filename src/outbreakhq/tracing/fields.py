"""Turning raw input (a form, an API payload, an import row) into values, one field at a time.

Each reader raises ValueError with a sentence about the value; the services collect them into one
InvalidInput that names every bad field, so a tracer corrects a form once, not field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.tracing import rules

Reader = Callable[[object], object]


def today() -> date:
    """Today in the deployment's time zone (dates of onset and follow-up are local dates)."""
    return timezone.localdate()


def a_date(raw, *, required: bool = False) -> date | None:
    if raw in (None, ""):
        if required:
            raise ValueError(_("is required"))
        return None
    value = raw if isinstance(raw, date) else parse_date(str(raw).strip())
    if value is None:
        raise ValueError(_("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw})
    if rules.in_future(value, today()):
        raise ValueError(_("%(value)s is in the future") % {"value": value})
    return value


def required_date(raw) -> date:
    return a_date(raw, required=True)


def choice(choices: type, *, default: str | None = None) -> Reader:
    """A reader for one of a TextChoices' values; a blank value takes the default if any."""

    def read(raw) -> str:
        value = str(raw or "").strip() or default
        if value is None:
            raise ValueError(_("is required"))
        if value not in choices.values:
            raise ValueError(_("%(value)r is not one of %(allowed)s")
                             % {"value": value, "allowed": ", ".join(choices.values)})
        return value

    return read


def text(limit: int) -> Reader:
    def read(raw) -> str:
        value = str(raw or "").strip()
        if len(value) > limit:
            raise ValueError(_("is longer than %(n)d characters") % {"n": limit})
        return value

    return read


def required_text(limit: int) -> Reader:
    def read(raw) -> str:
        value = text(limit)(raw)
        if not value:
            raise ValueError(_("is required"))
        return value

    return read


def record_number(raw) -> int | None:
    """An internal record number, as typed ("#12", "12") or given (12)."""
    if raw in (None, ""):
        return None
    value = str(raw).strip().lstrip("#")
    if not value.isdigit():
        raise ValueError(_("%(value)r is not a record number") % {"value": raw})
    return int(value)


def hours(raw) -> int | None:
    """How long a case stayed somewhere, in whole hours (0 to 24 a day; None: not known)."""
    if raw in (None, ""):
        return None
    value = str(raw).strip()
    if not value.isdigit():
        raise ValueError(_("%(value)r is not a number of hours") % {"value": raw})
    return int(value)


def temperature(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise ValueError(_("%(value)r is not a temperature") % {"value": raw}) from None
    if not Decimal("30") <= value <= Decimal("45"):
        raise ValueError(_("%(value)s °C is not a body temperature") % {"value": value})
    return value


def clean(data: Mapping, readers: Mapping[str, Reader], *, partial: bool, message: str,
          required: tuple[str, ...] = ()) -> dict:
    """Read every known field of `data`; raise one InvalidInput naming all bad fields.

    With `partial` (a PATCH), absent fields stay absent; otherwise absent fields are read as
    blank, so that required ones are reported and the others take their defaults.
    """
    values: dict = {}
    errors: list[FieldError] = []
    for key, read in readers.items():
        if key not in data and (partial or key not in required):
            continue
        try:
            values[key] = read(data.get(key))
        except ValueError as exc:
            errors.append(FieldError(key, str(exc)))
    if errors:
        raise InvalidInput(message, errors)
    return values


def refuse(message: str, field: str, problem: str):
    """Raise InvalidInput about one field (the common case of a rule between fields)."""
    raise InvalidInput(message, [FieldError(field, problem)])
