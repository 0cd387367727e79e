"""Reading the input of support's forms and API: each problem names its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area


class Problems:
    """Collects every problem of one input, then refuses once with all of them."""

    def __init__(self, message: str):
        self.message = message
        self.errors: list[FieldError] = []

    def add(self, field: str, problem: str) -> None:
        self.errors.append(FieldError(field, problem))

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(self.message, self.errors)


def text(data: Mapping, name: str, problems: Problems, *, limit: int,
         required: bool = False) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        problems.add(name, _("this field is required"))
    elif len(value) > limit:
        problems.add(name, _("at most %(n)d characters") % {"n": limit})
    return value[:limit]


def choice(data: Mapping, name: str, problems: Problems, choices, *,
           required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    allowed = [c.value for c in choices]
    if not value:
        if required:
            problems.add(name, _("this field is required"))
        return ""
    if value not in allowed:
        problems.add(name, _("%(value)s is not one of: %(allowed)s") % {
            "value": value, "allowed": ", ".join(allowed)})
        return ""
    return value


def number(data: Mapping, name: str, problems: Problems, *, required: bool = False,
           low: int = 0, high: int = 2**31 - 1) -> int | None:
    raw = data.get(name)
    raw = "" if raw is None else str(raw).strip().lstrip("#")
    if not raw:
        if required:
            problems.add(name, _("this field is required"))
        return None
    try:
        value = int(raw)
    except ValueError:
        problems.add(name, _("%(value)s is not a whole number") % {"value": raw})
        return None
    if not low <= value <= high:
        problems.add(name, _("must be between %(low)d and %(high)d") % {"low": low,
                                                                        "high": high})
        return None
    return value


def a_date(data: Mapping, name: str, problems: Problems, *, required: bool = False) -> date | None:
    raw = data.get(name)
    if isinstance(raw, date):
        return raw
    raw = "" if raw is None else str(raw).strip()
    if not raw:
        if required:
            problems.add(name, _("this field is required"))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.add(name, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": raw})
        return None


def phone(data: Mapping, name: str, problems: Problems, *, required: bool = True) -> str:
    value = text(data, name, problems, limit=30, required=required)
    digits = "".join(c for c in value if c.isdigit())
    if value and not 5 <= len(digits) <= 20:
        problems.add(name, _("%(value)s does not look like a phone number") % {"value": value})
    return "".join(c for c in value if c.isdigit() or c == "+")


def area(data: Mapping, name: str, problems: Problems, *, required: bool = True) -> Area | None:
    """An area by its code."""
    raw = str(data.get(name) or "").strip()
    if not raw:
        if required:
            problems.add(name, _("this field is required"))
        return None
    found = Area.objects.filter(code=raw).first()
    if found is None:
        problems.add(name, _("no area with code %(code)s") % {"code": raw})
    return found
