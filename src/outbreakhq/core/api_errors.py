"""Every API error in one shape, `{"error": "…", "errors": [{"row", "field", "message"}]}`,
whatever raised it (issue 7, item 7). Three places answer errors under /api/, and all three
write the body through `error_response`:

- the NinjaAPI exception handlers (`install`): our AppError, ninja's ValidationError, its
  AuthenticationError / HttpError / Throttled, Django's Http404 and PermissionDenied, and a
  last-resort handler for anything unexpected (logged with its traceback, never shown);
- `ApiErrorMiddleware`, for answers Django or ninja make outside any handler: an unknown path
  (Django's 404 page), a method the path does not accept (ninja's bare 405), a failure in a
  middleware (Django's 500 page);
- `declare_error_responses`, which writes the shape into the OpenAPI schema, so clients see it.
"""

from __future__ import annotations

import functools
import logging

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import BaseModel

from outbreakhq.core.errors import AppError, CsrfRejected, FieldError, InvalidInput

API_PREFIX = "/api/"
# Django's own logger for failed requests: where its 500s go, with the administrators' mail.
request_logger = logging.getLogger("django.request")


class ErrorItem(Schema):
    row: int | None = None
    field: str
    message: str


class ErrorOut(Schema):
    """The body of every API error."""

    error: str
    errors: list[ErrorItem] = []


MESSAGES = {
    400: gettext_lazy("The request is not valid."),
    401: gettext_lazy("Log in, or send an API token: Authorization: Bearer ohq_…"),
    403: gettext_lazy("You may not do this."),
    404: gettext_lazy("There is no such API operation: see /api/v1/docs for the list."),
    429: gettext_lazy("Too many requests: wait a moment and try again."),
    500: gettext_lazy("Something went wrong on the server. The error was logged; try again "
                      "later or tell your administrator."),
}


def error_response(status: int, message: str = "", errors=(), *, headers=None) -> JsonResponse:
    """The one way to answer an API error. A 401 names the scheme to use, as HTTP asks."""
    body = {"error": str(message or MESSAGES.get(status) or _generic(status)),
            "errors": [e if isinstance(e, dict) else e.as_dict() for e in errors]}
    response = JsonResponse(body, status=status, headers=headers)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="OutbreakHQ API"'
    return response


def _generic(status: int) -> str:
    return gettext("The request failed (HTTP status %(status)d).") % {"status": status}


# NinjaAPI handlers ------------------------------------------------------------------------------

def app_error(request: HttpRequest, exc: AppError) -> JsonResponse:
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(int(retry_after))} if retry_after else None
    return error_response(exc.status, str(exc.message or exc.title), exc.errors, headers=headers)


def invalid_request(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    """Schema errors take the same shape as the services' errors: 400 with each field named."""
    errors = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        # ("body", "payload", "name") or ("query", "q"): drop the source and the body's name.
        parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        errors.append({"row": None, "field": ".".join(str(p) for p in parts) or "body",
                       "message": error.get("msg", "is invalid")})
    return error_response(400, gettext("The request is not valid."), errors)


def http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    """ninja's own refusals carry English texts ("Unauthorized", "CSRF check Failed"): answer
    ours instead. Our code raises core.errors classes, never HttpError."""
    if isinstance(exc, AuthenticationError | Throttled):
        return error_response(exc.status_code)
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error_response(403, str(CsrfRejected.title))
    return error_response(exc.status_code, str(exc))


def not_found(request: HttpRequest, exc: Http404) -> JsonResponse:
    return error_response(404, gettext("Not found."))


def permission_denied(request: HttpRequest, exc: PermissionDenied) -> JsonResponse:
    return error_response(403, str(exc) or MESSAGES[403])


def unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    """The last resort: the traceback goes to the log, the client learns nothing of it."""
    request_logger.error("Internal Server Error: %s", request.path, exc_info=exc,
                         extra={"status_code": 500, "request": request})
    response = error_response(500)
    response._has_been_logged = True  # Django would log it again, without the traceback
    return response


def stopped_for_time(exc: BaseException) -> bool:
    """A statement the request time-out stopped (core/middleware.py RequestTimeoutMiddleware):
    SQLite's "interrupted", PostgreSQL's QueryCanceled (statement_timeout)."""
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__
    return "interrupted" in str(exc) or type(cause).__name__ == "QueryCanceled"


def database_error(request: HttpRequest, exc: DatabaseError) -> JsonResponse:
    if stopped_for_time(exc):
        return error_response(503, gettext(
            "This request took too long and was stopped; nothing it was doing was saved. Try "
            "a narrower filter or a smaller scope."), headers={"Retry-After": "30"})
    return unexpected(request, exc)


def number_too_large(request: HttpRequest, exc: OverflowError) -> JsonResponse:
    return error_response(400, gettext("A number in the request is too large."))


def install(api: NinjaAPI) -> None:
    """Replace ninja's `{"detail": …}` handlers with ours (lookup follows the class hierarchy,
    so AuthenticationError and Throttled land in `http_error`, NotFound in `app_error`)."""
    for exc_class, handler in ((AppError, app_error), (ValidationError, invalid_request),
                               (HttpError, http_error), (Http404, not_found),
                               (PermissionDenied, permission_denied), (Exception, unexpected),
                               (DatabaseError, database_error), (OverflowError, number_too_large)):
        api.add_exception_handler(exc_class, handler)
    api.add_decorator(numbers_in_range)  # after validation, before the operation runs


# Numbers the database cannot hold ---------------------------------------------------------------

SMALLEST, LARGEST = -(2**63), 2**63 - 1  # a bigint, and SQLite's INTEGER


def numbers_in_range(operation):
    """Every integer an operation receives (path, query, body, at any depth) fits a bigint, or
    400 naming it: SQLite cannot bind a larger one (OverflowError, a 500 before) and
    PostgreSQL refuses to store it. Checked after validation, before the operation runs."""

    @functools.wraps(operation)
    def checked(request, *args, **kwargs):
        for name, value in kwargs.items():
            if where := _out_of_range(value, name):
                raise InvalidInput(gettext("The request is not valid."),
                                   [FieldError(where, gettext(
                                       "must be a whole number between %(low)d and %(high)d") % {
                                       "low": SMALLEST, "high": LARGEST})])
        return operation(request, *args, **kwargs)

    return checked


def _out_of_range(value, where: str) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return where if not SMALLEST <= value <= LARGEST else None
    if isinstance(value, BaseModel):
        # a body is named by its fields alone, as in `invalid_request`
        return next((w for k in type(value).model_fields
                     if (w := _out_of_range(getattr(value, k, None),
                                            k if where == "payload" else f"{where}.{k}"))), None)
    if isinstance(value, dict):
        return next((w for k, v in value.items() if (w := _out_of_range(v, f"{where}.{k}"))),
                    None)
    if isinstance(value, list | tuple | set):
        return next((w for i, v in enumerate(value) if (w := _out_of_range(v, f"{where}.{i}"))),
                    None)
    return None


# Answers made outside the API's handlers ---------------------------------------------------------

class ApiErrorMiddleware:
    """Reshape any error under /api/ that is not JSON yet (Django's 404 and 500 pages, with
    DEBUG on or off; ninja's 405). Put it first in MIDDLEWARE so that it sees them all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path_info.startswith(API_PREFIX)
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        # Keep what the other middleware added (security headers, Allow, Vary, cookies).
        keep = {h: v for h, v in response.items()
                if h.lower() not in ("content-type", "content-length")}
        reshaped = error_response(response.status_code, _message_for(request, response),
                                  headers=keep)
        reshaped.cookies = response.cookies
        return reshaped


def _message_for(request, response) -> str:
    if response.status_code == 405:
        return gettext("%(method)s is not allowed here; this path accepts %(allowed)s.") % {
            "method": request.method, "allowed": response.get("Allow", "")}
    return ""


# OpenAPI ------------------------------------------------------------------------------------------

_REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field.",
    401: "Not authenticated: no session, or an unknown, expired or revoked token.",
    403: "Refused: outside your jurisdiction, not allowed for your role, or no CSRF token.",
    404: "No such record (or none you may see), or no such area code.",
}


def declare_error_responses(schema: dict) -> dict:
    """Declare the error shape on each operation: 401 and 403 everywhere, 400 where there is
    input to reject, 404 where a record number or area code is looked up. (429 is declared by
    the operations that are rate-limited, with `response={…, 429: ErrorOut}`.)"""
    body = ErrorOut.model_json_schema(ref_template=_REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in body.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("ErrorOut", body)
    content = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorOut")}}}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            params = {p["name"] for p in operation.get("parameters", [])}
            codes = [401, 403]
            if params or "requestBody" in operation:
                codes.append(400)
            if "{" in path or params & {"area", "parent"}:
                codes.append(404)
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": _DESCRIPTIONS[code], "content": content})
    return schema
