"""Errors that carry their HTTP status. core/api_errors.py renders them as JSON for the API and
core/middleware.py as a page for people; services raise them and know nothing of either."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    """One problem with the input: `row` is 1-based (header = row 1) for files, None for forms."""

    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        values = {"row": self.row, "field": self.field, "message": self.message}
        if self.row is None:
            return gettext("%(field)s: %(message)s") % values
        return gettext("row %(row)d, %(field)s: %(message)s") % values

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": str(self.message)}


@dataclass
class AppError(Exception):
    message: str = ""
    errors: list[FieldError] = field(default_factory=list)
    status = 400
    title = _("Bad request")

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        lines = [str(self.message)] + [str(e) for e in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(gettext("… and %(n)d more") % {"n": len(self.errors) - 20})
        return "\n".join(lines)


class InvalidInput(AppError):
    status = 400
    title = _("Please correct the input")


class NotAuthenticated(AppError):
    status = 401
    title = _("Please log in")


class OutOfScope(AppError):
    status = 403
    title = _("Outside your jurisdiction")


class NotPermitted(OutOfScope):
    """The user's roles do not include the capability anywhere (not a matter of where)."""

    title = _("Not allowed for your role")


class CsrfRejected(AppError):
    """A change sent with a browser session but without its CSRF token (or a wrong one)."""

    status = 403
    title = _("The CSRF token is missing or wrong. A browser session must send the csrftoken "
              "cookie's value in the X-CSRFToken header with every change; scripts should use "
              "an API token instead.")


class NotFound(AppError):
    status = 404
    title = _("Not found")


class TooManyRequests(AppError):
    """The user asked for the same thing too often in a short time (import previews)."""

    status = 429
    title = _("Too many requests")
