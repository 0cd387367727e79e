"""The JSON API at /api/v1/: one NinjaAPI, one router per module, one error handler."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import HttpBearer, django_auth

from outbreakhq import production
from outbreakhq.core import tokens
from outbreakhq.core.errors import AppError


class BearerToken(HttpBearer):
    """`Authorization: Bearer ohq_…`. A bad token is an error that says why, not a bare 401."""

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.authenticate(token)
        request.user = user
        return user


api = NinjaAPI(
    title="OutbreakHQ API",
    version="1",
    description="Scoped, audited access to OutbreakHQ. Authenticate with a browser session or "
    "an API token (`Authorization: Bearer …`, created on the API tokens page).",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_decorator=csp_override(production.API_DOCS_POLICY),  # Swagger UI's data: icons
)


@api.exception_handler(AppError)
def app_error(request, exc: AppError):
    return api.create_response(
        request,
        {"error": str(exc.message or exc.title), "errors": [e.as_dict() for e in exc.errors]},
        status=exc.status,
    )


@api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    """Schema errors take the same shape as the services' errors: 400 with each field named."""
    errors = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        # ("body", "payload", "name") or ("query", "q"): drop the source and the body's name.
        parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        errors.append({"row": None, "field": ".".join(str(p) for p in parts) or "body",
                       "message": error.get("msg", "is invalid")})
    return api.create_response(request, {"error": "The request is not valid.", "errors": errors},
                               status=400)


def _add_routers() -> None:
    from outbreakhq.core.api import areas_router, people_router

    api.add_router("/areas", areas_router)
    api.add_router("/people", people_router)

    from outbreakhq.tracing.api import cases_router
    from outbreakhq.tracing.api_contacts import chains_router, contacts_router, followups_router

    api.add_router("/cases", cases_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/followups", followups_router)
    api.add_router("/chains", chains_router)

    from outbreakhq.tracing.api_io import imports_router

    api.add_router("", imports_router)  # /imports/{kind}, /exports/{kind}

_add_routers()
