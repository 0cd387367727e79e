"""The JSON API at /api/v1/: one NinjaAPI, one router per module, one error handler."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from outbreakhq import production
from outbreakhq.core import api_errors, tokens
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
    from outbreakhq.core.api import areas_router, people_router

    api.add_router("/areas", areas_router)
    api.add_router("/people", people_router)

    from outbreakhq.tracing.api.cases import cases_router
    from outbreakhq.tracing.api.contacts import chains_router, contacts_router, followups_router

    api.add_router("/cases", cases_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/followups", followups_router)
    api.add_router("/chains", chains_router)

    from outbreakhq.tracing.api.import_export import imports_router

    api.add_router("", imports_router)  # /imports/{kind}, /exports/{kind}

_add_routers()
