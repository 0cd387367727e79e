"""Request plumbing: the current scope (the scope switcher) and one renderer for AppError pages."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from outbreakhq.core.actor import actor_of
from outbreakhq.core.api_errors import API_PREFIX, error_response
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.core.scope import visible_areas

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
        request.scope_area = current_scope_area(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AppError) and not request.path.startswith("/api/"):
            template = "core/_error.html" if getattr(request, "htmx", False) else "core/error.html"
            return render(request, template, {"error": exception}, status=exception.status)
        return None


NUL_MESSAGE = gettext_lazy("The request contains a NUL character (\\0), which no field accepts.")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """PostgreSQL can neither store nor compare text holding NUL: such a request would fail deep
    inside a query with a 500. Refuse it at the door with a 400 that says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            if request.path_info.startswith(API_PREFIX):
                return error_response(400, str(NUL_MESSAGE))
            return HttpResponseBadRequest(str(NUL_MESSAGE),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


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
