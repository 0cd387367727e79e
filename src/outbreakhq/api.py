"""The JSON API at /api/v1/: one NinjaAPI, one router per module, one error handler."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from outbreakhq import production
from outbreakhq.core import api_errors, hooks, tokens
from outbreakhq.core.errors import CsrfRejected


class BearerToken(HttpBearer):
    """`Authorization: Bearer ohq_…`. A bad token is an error that says why, not a bare 401."""

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.authenticate(token)
        request.user = user
        return user


class BrowserSession(SessionAuth):
    """The browser's session. Without one, the next scheme (or a 401) answers, never a CSRF
    refusal; with one, a change without the CSRF token is refused saying so (ninja's
    django_auth checks CSRF first and answers a bare 403 "CSRF check Failed")."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfRejected()
        return request.user


class OutbreakApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return api_errors.declare_error_responses(super().get_openapi_schema(**kwargs))


api = OutbreakApi(
    title="OutbreakHQ API",
    version="1",
    description="Scoped, audited access to OutbreakHQ. Authenticate with a browser session or "
    "an API token (`Authorization: Bearer …`, created on the API tokens page).",
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs_decorator=csp_override(production.API_DOCS_POLICY),  # Swagger UI's data: icons
)


api_errors.install(api)  # every error as {"error", "errors"}: see core/api_errors.py


def _add_routers() -> None:
    """Every router an app registered (core/hooks.py api_router), core's among them."""
    for prefix, router in hooks.API_ROUTERS.items():
        api.add_router(prefix, import_string(router))


_add_routers()
