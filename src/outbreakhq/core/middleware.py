"""Request plumbing: the current scope (the scope switcher) and one renderer for AppError pages."""

from __future__ import annotations

from django.shortcuts import render

from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.core.scope import visible_areas

SESSION_KEY = "scope_area"


def current_scope_area(request) -> Area | None:
    """The area picked in the scope switcher, if it is still inside the user's scope."""
    code = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not code or not request.user.is_authenticated:
        return None
    return visible_areas(request.user).filter(code=code).first()


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
