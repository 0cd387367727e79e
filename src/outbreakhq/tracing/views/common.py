"""What every tracing page shares: choice lists, form values, the service errors for a form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import IdType, Sex
from outbreakhq.tracing.models import (
    Classification,
    ContactCategory,
    ContactStatus,
    ContactType,
    DetectionRoute,
    FollowUpStatus,
    Outcome,
    Severity,
)

# Labels for the problem summary above a form (the services name fields by their keys).
LABELS = {
    "classification": _("Classification"), "detection_route": _("Found by"),
    "report_date": _("Reported"), "onset_date": _("Onset of symptoms"),
    "sampling_date": _("Sampled"), "outcome_date": _("Outcome date"),
    "source_case": _("Source case"), "external_id": _("External id"), "area": _("Area code"),
    "place": _("Place"), "date_from": _("From"), "date_to": _("To"), "date": _("Date"),
    "setting": _("Setting"), "contact_type": _("Type of contact"),
    "last_exposure": _("Last exposure"), "person": _("Person"), "tracer": _("Tracer"),
    "team": _("Team"), "status": _("Status"), "temperature": _("Temperature"),
    "category": _("Category"), "name": _("Name"), "home_area": _("Home area code"),
    "id_number": _("Document number"), "phone": _("Phone"), "birth_date": _("Date of birth"),
    "reason": _("Reason"),
}

PERSON_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "home_area",
                 "address")


def choices() -> dict:
    """Choice lists for the templates (labels are lazy, so they follow the page's language)."""
    return {
        "classifications": Classification.choices, "routes": DetectionRoute.choices,
        "severities": Severity.choices, "outcomes": Outcome.choices,
        "contact_types": ContactType.choices, "contact_statuses": ContactStatus.choices,
        "categories": ContactCategory.choices, "followup_statuses": FollowUpStatus.choices,
        "sexes": Sex.choices, "id_types": IdType.choices,
    }


def posted(request: HttpRequest, names) -> dict:
    """The named fields of the POST, stripped; absent ones are left out."""
    return {k: request.POST[k].strip() for k in names if k in request.POST}


def new_person(request: HttpRequest) -> dict | None:
    """The new-person fields of a form, or None when a registered person was picked."""
    if request.POST.get("person", "").strip():
        return None
    return posted(request, PERSON_FIELDS)


def person_id(request: HttpRequest) -> int | None:
    raw = request.POST.get("person", "").strip().lstrip("#")
    return int(raw) if raw.isdigit() else None


def errors_of(exc: InvalidInput) -> dict:
    """Field -> message for the form, and the whole list under "all_problems" for the summary."""
    errors: dict = {e.field: str(e.message) for e in exc.errors}
    errors["all_problems"] = [f"{LABELS.get(e.field, e.field.replace('_', ' '))}: {e.message}"
                              for e in exc.errors] or [str(exc.message)]
    errors["problem"] = str(exc.message)
    return errors


def edit_form(request: HttpRequest, *, readers, values: dict, save, saved: str, page: tuple,
              template: str, context: dict):
    """An edit page: on POST hand the posted fields to `save`, then go back to `page`
    (view name, pk) with `saved`, or show the form again with the service's errors."""
    errors = {}
    if request.method == "POST":
        values = posted(request, readers)
        try:
            save(values)
        except InvalidInput as exc:
            errors = errors_of(exc)
        else:
            messages.success(request, saved)
            return redirect(page[0], pk=page[1])
    return render(request, template,
                  {**context, "errors": errors, "values": values, **choices()})
