"""Stranded travellers: the register with each one's eligibility, departure batches, the
manifest (CSV, XLSX, PDF)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import audit
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.pdf import html_to_pdf
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability
from outbreakhq.support import services
from outbreakhq.support.models import (
    BatchAssignment,
    BatchStatus,
    DepartureBatch,
    Traveller,
    TravellerStatus,
)
from outbreakhq.support.services.travellers import BATCH_NEXT, manifest_rows
from outbreakhq.support.views.staff import _errors, area_choices

TRAVELLER_FIELDS = ("person", "area", "staying_at", "home_destination", "since", "contact")
BATCH_FIELDS = ("means", "destination", "date", "capacity", "area")
LIST_LIMIT = 200


@login_required
def support_travellers(request):
    require_capability(request, Can.MANAGE_TRAVELLERS)
    actor = actor_of(request)
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in TRAVELLER_FIELDS}
        try:
            traveller = services.register_traveller(actor=actor, data=values)
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("%(name)s is on the register.") % {
                "name": traveller.person.name})
            return redirect("support_traveller", traveller=traveller.pk)
    status = request.GET.get("status", "waiting")
    rows = (Traveller.objects.visible_to(actor, Can.MANAGE_TRAVELLERS, within=request.scope_area)
            .select_related("person", "area").order_by("since", "pk"))
    if status in TravellerStatus.values:
        rows = rows.filter(status=status)
    rows = services.with_eligibility(list(rows[:LIST_LIMIT]))
    audit.record_shown(actor=actor, object_type="traveller", records=[t.pk for t in rows],
                       people=[(t.person_id, t.tenant_id) for t in rows],
                       places=[t.area.path for t in rows], area=request.scope_area)
    return render(request, "support/travellers.html", {
        "rows": rows, "status": status, "statuses": TravellerStatus.choices, "errors": errors,
        "values": values, "today": timezone.localdate().isoformat(),
        "areas": area_choices(request, Can.MANAGE_TRAVELLERS, ("community", "compound"))},
        status=400 if errors else 200)


@login_required
def support_traveller(request, traveller: int):
    found = services.access_traveller(actor_of(request), traveller)
    audit.record(actor=actor_of(request), action="view", object_type="traveller",
                 object_id=found.pk, area=found.area, person=found.person)
    services.with_eligibility([found])
    batches = (DepartureBatch.objects.visible_to(actor_of(request), Can.MANAGE_TRAVELLERS)
               .filter(status=BatchStatus.PLANNED, tenant_id=found.tenant_id)
               .order_by("date", "pk")[:50])
    assignment = BatchAssignment.objects.filter(traveller=found).select_related("batch").first()
    return render(request, "support/traveller.html", {"t": found, "batches": batches,
                                                      "assignment": assignment})


@login_required
def support_batches(request):
    require_capability(request, Can.MANAGE_TRAVELLERS)
    actor = actor_of(request)
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in BATCH_FIELDS}
        try:
            batch = services.create_batch(actor=actor, data=values)
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            return redirect("support_batch", batch=batch.pk)
    batches = (DepartureBatch.objects.visible_to(actor, Can.MANAGE_TRAVELLERS,
                                                 within=request.scope_area)
               .annotate(taken=Count("assignments")).order_by("-date", "-pk")[:LIST_LIMIT])
    return render(request, "support/batches.html", {"batches": batches, "errors": errors,
                                                    "areas": area_choices(
                                                        request, Can.MANAGE_TRAVELLERS,
                                                        ("county", "township", "community")),
                                                    "values": values},
                  status=400 if errors else 200)


def _batch_context(request, batch, **extra) -> dict:
    actor = actor_of(request)
    rows = manifest_rows(actor=actor, batch=batch, action="view")
    candidates = []
    if batch.status == BatchStatus.PLANNED:
        waiting = (Traveller.objects.visible_to(actor, Can.MANAGE_TRAVELLERS)
                   .filter(status=TravellerStatus.WAITING, tenant_id=batch.tenant_id)
                   .select_related("person", "area").order_by("since", "pk")[:LIST_LIMIT])
        candidates = services.with_eligibility(list(waiting))
    return {"batch": batch, "rows": rows, "candidates": candidates,
            "free": batch.capacity - len(rows), "next": BATCH_NEXT.get(batch.status),
            "BatchStatus": BatchStatus, "errors": {}, **extra}


@login_required
def support_batch(request, batch: int):
    found = services.access_batch(actor_of(request), batch)
    return render(request, "support/batch.html", _batch_context(request, found))


@login_required
@require_POST
def support_batch_assign(request, batch: int):
    raw = request.POST.get("traveller", "").strip()
    try:
        services.assign(actor=actor_of(request), batch_id=batch,
                        traveller_id=int(raw) if raw.isdigit() else None)
    except InvalidInput as exc:
        found = services.access_batch(actor_of(request), batch)
        return render(request, "support/batch.html",
                      _batch_context(request, found, errors=_errors(exc)), status=400)
    messages.success(request, _("The traveller is on the batch."))
    return redirect("support_batch", batch=batch)


@login_required
@require_POST
def support_batch_status(request, batch: int):
    try:
        services.set_batch_status(actor=actor_of(request), batch_id=batch,
                                  to=request.POST.get("to", ""))
    except InvalidInput as exc:
        found = services.access_batch(actor_of(request), batch)
        return render(request, "support/batch.html",
                      _batch_context(request, found, errors=_errors(exc)), status=400)
    return redirect("support_batch", batch=batch)


COLUMNS = ("n", "name", "document", "phone", "staying_at", "home_destination", "status")


def _cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (=, +, -, @) is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _headers() -> list[str]:
    return [_("No."), _("Name"), _("Document"), _("Contact"), _("Staying at"),
            _("Home destination"), _("Status")]


@login_required
def support_batch_manifest(request, batch: int):
    """The manifest of a batch: ?format=csv (default), xlsx or pdf."""
    found = services.access_batch(actor_of(request), batch)
    rows = manifest_rows(actor=actor_of(request), batch=found)
    kind = request.GET.get("format", "csv")
    name = f"manifest-{found.pk}-{found.date:%Y%m%d}"
    if kind == "pdf":
        user = request.user
        html = render_to_string("support/manifest_document.html", {
            "batch": found, "rows": rows, "headers": _headers(),
            "printed_by": user.get_full_name() or user.get_username(),
            "printed_at": timezone.localtime()}, request=request)
        pdf = html_to_pdf(html, stylesheets=["outbreakhq/support-manifest.css"],
                          base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Manifest"))
        sheet.append([f"{found.means} · {found.date} → {found.destination}"])
        sheet.append(_headers())
        for row in rows:
            sheet.append([_cell(row[c]) for c in COLUMNS])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

