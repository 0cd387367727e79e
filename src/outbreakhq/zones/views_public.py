"""The public risk-area list (no login, no personal data): HTML, JSON and CSV of one day.

`?date=YYYY-MM-DD` reads a past day as it was published (`&version=N` an older version of that
day). Today's list is published on its first read; later changes are new versions.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.zones import public, reads
from outbreakhq.zones.models import PublishedList


def _published(request) -> PublishedList:
    today = timezone.localdate()
    raw = request.GET.get("date", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        raise InvalidInput(_("No list for that date."), [FieldError(
            "date", _("%(value)s is not a date (YYYY-MM-DD)") % {"value": raw[:20]})]) from None
    version = request.GET.get("version", "").strip()
    if version:
        found = PublishedList.objects.filter(day=day, version=version).first() \
            if version.isdigit() else None
    elif day == today:
        found = public.current(today)
    else:
        found = public.latest(day)
    if found is None:
        raise NotFound(_("No risk-area list was published for %(day)s.") % {"day": day})
    return found


@require_GET
def risk_areas(request):
    published = _published(request)
    content = published.content
    measures = {m["grade"]: m for m in reads.measures()}
    roots = list(Area.objects.filter(code__in={a["parents"][0]["code"] if a["parents"]
                                               else a["code"] for a in content["areas"]}))
    listed = {a["code"]: a["grade"] for a in content["areas"]}
    svg = reads.risk_map(roots, listed, title=_("Risk map"),
                         href=lambda code: f"#area-{code}" if code in listed else "")
    return render(request, "zones/public.html", {
        "published": published, "content": content,
        "sections": [{"grade": g, "measure": measures.get(g),
                      "areas": [a for a in content["areas"] if a["grade"] == g]}
                     for g in content["grades"]],
        "versions": PublishedList.objects.filter(day=published.day).order_by("version"),
        "days": PublishedList.objects.order_by("-day").values_list("day", flat=True)
        .distinct()[:30],
        "map": svg})


@require_GET
def risk_areas_json(request):
    published = _published(request)
    body = {**published.content, "version": published.version,
            "published_at": published.published_at.isoformat(), "note": published.note,
            "note_code": published.note_code or None}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
def risk_areas_csv(request):
    published = _published(request)
    response = HttpResponse(public.as_csv(published), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="risk-areas-{published.day}-v{published.version}.csv"')
    return response
