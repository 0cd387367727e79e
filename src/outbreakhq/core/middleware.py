"""Request plumbing: the current scope (the scope switcher) and one renderer for AppError pages."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import middleware as messages
from django.db import connection
from django.db.backends.signals import connection_created
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy

from outbreakhq.core.actor import actor_of
from outbreakhq.core.api_errors import API_PREFIX, error_response, stopped_for_time
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.core.scope import visible_areas
from outbreakhq.core.text import control_character

SESSION_KEY = "scope_area"


def current_scope_area(request) -> Area | None:
    """The area picked in the scope switcher, if it is still inside the user's scope."""
    code = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not code or not request.user.is_authenticated:
        return None
    return visible_areas(actor_of(request)).filter(code=code).first()


class ScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope_area = None if by_token(request) else current_scope_area(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AppError) and not request.path.startswith("/api/"):
            template = "core/_error.html" if getattr(request, "htmx", False) else "core/error.html"
            return render(request, template, {"error": exception}, status=exception.status)
        return None


NUL_MESSAGE = gettext_lazy("The request contains a NUL character (\\0), which no field accepts.")
CONTROL_MESSAGE = gettext_lazy("The field %(field)s contains a control character (%(char)s), "
                               "which no text field accepts: remove it and send again.")
NUMBER_MESSAGE = gettext_lazy("A number in the request is too large.")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """PostgreSQL can neither store nor compare text holding NUL, and an XLSX export cannot hold
    any other control character (but tab, line feed and carriage return): such a request would
    fail deep inside a query with a 500, or store a value that breaks every later export of its
    scope. Refuse it at the door, every form field, query parameter and JSON string, with a 400
    that names the field (core/text.py). A number too large for the database (SQLite raises
    OverflowError binding it) is a 400 too, on pages as on the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return _refusal(request, str(NUL_MESSAGE))
        if found := _control_character(request):
            field, char = found
            return _refusal(request, str(CONTROL_MESSAGE) % {"field": field, "char": char},
                            field)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return _refusal(request, str(NUMBER_MESSAGE))
        return None


def _refusal(request, message: str, field: str = ""):
    if request.path_info.startswith(API_PREFIX):
        errors = [{"row": None, "field": field, "message": message}] if field else ()
        return error_response(400, message, errors)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _carries_nul(request) -> bool:
    if "\x00" in request.path or _in_fields(request.GET):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.content_type == "application/json":
        return b"\x00" in request.body or b"\\u0000" in request.body
    return request.content_type in _FORMS and _in_fields(request.POST)


def _in_fields(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


def _control_character(request) -> tuple[str, str] | None:
    """(field, code point such as "U+001B") of the first control character in a field of the
    request, or None."""
    fields = [request.GET]
    if request.method in ("POST", "PUT", "PATCH"):
        if request.content_type in _FORMS:
            fields.append(request.POST)
        elif request.content_type == "application/json":
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                return None  # the API answers a body it cannot parse itself
            return _in_json(body, "")
    for data in fields:
        for key, values in data.lists():
            for value in (key, *values):
                if char := control_character(value):
                    return key if value is not key else "", char
    return None


def _in_json(value, where: str) -> tuple[str, str] | None:
    if isinstance(value, str):
        char = control_character(value)
        return (where or "body", char) if char else None
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and (char := control_character(key)):
            return where or "body", char
        if found := _in_json(item, f"{where}.{key}" if where else str(key)):
            return found
    return None


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on everything the application itself answers: pages,
    API answers and export downloads show personal data to a signed-in user, and no browser
    cache, history or shared proxy should keep a copy (a shared computer's next user pressing
    Back after a log-out). A view that sets its own Cache-Control keeps it. Static files never
    get here: whitenoise, above this middleware, answers them with their long cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response


TIMEOUT_MESSAGE = gettext_lazy(
    "This request took longer than %(seconds)d seconds and was stopped; nothing it was doing "
    "was saved. Try a narrower filter or a smaller scope; large exports and imports run in the "
    "background (Exports page).")


class RequestTimeoutMiddleware:
    """A request that runs past OUTBREAKHQ_REQUEST_TIMEOUT is stopped where its time goes, in
    the database, and answered with a page that says so (503), instead of the server killing
    the worker and the client seeing a reset connection (issue 15). SQLite: a progress handler
    interrupts the statement once the request's time is up; PostgreSQL: `statement_timeout` on
    the web server's connections. The transaction rolls back, so nothing is half written."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.OUTBREAKHQ_REQUEST_TIMEOUT
        if self.seconds:
            connection_created.connect(self.limit_statements, weak=False,
                                       dispatch_uid="outbreakhq-request-timeout")

    def limit_statements(self, sender, connection, **kwargs):
        if seconds := settings.OUTBREAKHQ_REQUEST_TIMEOUT:
            _watch_deadline(connection, seconds)

    def __call__(self, request):
        if not self.seconds:
            return self.get_response(request)
        if connection.connection is not None:
            _watch_deadline(connection, self.seconds)  # opened before this middleware was made
        connection.request_deadline = time.monotonic() + self.seconds
        try:
            return self.get_response(request)
        finally:
            connection.request_deadline = None

    def process_exception(self, request, exception):
        if not stopped_for_time(exception):
            return None
        message = str(TIMEOUT_MESSAGE) % {"seconds": self.seconds}
        if request.path_info.startswith(API_PREFIX):
            return error_response(503, message)
        return render(request, "core/error.html",
                      {"error": {"title": gettext("Too slow"), "message": message}}, status=503)


def _watch_deadline(wrapper, seconds: int) -> None:
    """PostgreSQL: `statement_timeout` on the connection. SQLite calls a handler every 100,000
    instructions: past the request's deadline the statement stops with "interrupted"; outside
    a request there is no deadline. Once per connection."""
    raw = wrapper.connection
    if getattr(wrapper, "deadline_watched", None) is raw:
        return
    if wrapper.vendor == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds) * 1000}")
    elif wrapper.vendor == "sqlite":

        def past_deadline() -> bool:
            deadline = getattr(wrapper, "request_deadline", None)
            return deadline is not None and time.monotonic() > deadline

        raw.set_progress_handler(past_deadline, 100_000)
    wrapper.deadline_watched = raw


# --- API requests with a bearer token skip the browser's plumbing (issue 9, the 9 a.m. surge) --
# Such a request is authenticated by the token (api.py BearerToken), carries no session and
# no CSRF risk (no cookie authenticates it), sets no message and picks no scope in the
# switcher: the authentication and messages middleware only cost it time. Each is Django's
# own, subclassed (the admin's checks look for those classes), and steps aside for such a
# request; every other request gets it unchanged. Django's session and CSRF middleware stay as
# they are (`check --deploy` looks for them by name to check their cookies' settings; a session
# never read costs nothing): the authentication middleware tells CSRF that such a request needs
# no check, as Django's test client does.

def by_token(request) -> bool:
    """An API request that authenticates with `Authorization: Bearer …`."""
    return request.path_info.startswith(API_PREFIX) and \
        request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "


class _BrowserOnly:
    def __call__(self, request):
        if by_token(request):
            return self.get_response(request)
        return super().__call__(request)


class AuthenticationMiddleware(_BrowserOnly, auth.AuthenticationMiddleware):
    def __call__(self, request):
        if by_token(request):
            request.user = AnonymousUser()  # until the token scheme sets its user (api.py)
            request._dont_enforce_csrf_checks = True  # read by Django's CsrfViewMiddleware
        return super().__call__(request)


class MessageMiddleware(_BrowserOnly, messages.MessageMiddleware):
    pass
