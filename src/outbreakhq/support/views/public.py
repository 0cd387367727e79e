"""The public pages, without sign-in: a resident asks for help and follows the request.

Small pages for a cheap phone on a slow link: no script, one small stylesheet, no htmx. Every
answer that depends on the check code is a POST (the code stays out of URLs and logs), and
nothing is cached. Each client address may send OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN requests
and checks in ten minutes, counted in Django's cache (docs/support.md)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from outbreakhq.core.actor import Actor, client_ip
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.support import services
from outbreakhq.support.models import Kind, Status
from outbreakhq.support.rules import TIME_FIELD
from outbreakhq.support.services.requests import PUBLIC_LEVELS, client_key

WINDOW_SECONDS = 600
FIELDS = ("kind", "name", "address", "area", "phone", "text", "household_size",
          "medicine_days_left", "crisis", "no_food_left", "vulnerable")


def over_limit(request) -> bool:
    """Count this request against its client address; True once over the limit."""
    key = f"support-public:{client_key(client_ip(request))}:{int(time.time()) // WINDOW_SECONDS}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        used = 1
    return used > settings.OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN


def public_areas() -> list[tuple[str, list[Area]]]:
    """The communities residents choose from, grouped by their township (cached a minute)."""
    key = f"support-public-areas:{get_language()}"  # the names are in the page's language
    areas = cache.get(key)
    if areas is None:
        rows = list(Area.objects.filter(level__in=PUBLIC_LEVELS[:1]).select_related("parent")
                    .order_by("path"))
        groups: dict[int, tuple[str, list]] = {}
        for area in rows:
            parent = area.parent.display_name() if area.parent else ""
            groups.setdefault(area.parent_id or 0, (parent, []))[1].append(
                (area.code, area.display_name()))
        areas = list(groups.values())
        cache.set(key, areas, 60)
    return areas


def _limited(request, template: str, context: dict):
    context = {**context, "problem": _(
        "Too many requests from your connection in the last minutes. Please wait ten minutes "
        "and try again, or call the hotline.")}
    return render(request, template, context, status=429)


@never_cache
def support_public(request):
    context = {"kinds": Kind.choices, "areas": public_areas(), "values": {}, "errors": {}}
    if request.method != "POST":
        return render(request, "support/public_form.html", context)
    values = {k: request.POST.get(k, "").strip() for k in FIELDS}
    if over_limit(request):
        return _limited(request, "support/public_form.html", {**context, "values": values})
    try:
        submitted = services.submit_public(actor=Actor.anonymous(request), data=values)
    except InvalidInput as exc:
        errors = {e.field: e.message for e in exc.errors}
        return render(request, "support/public_form.html",
                      {**context, "values": values, "errors": errors,
                       "problem": exc.message}, status=400)
    return render(request, "support/public_sent.html",
                  {"req": submitted.request, "code": submitted.code,
                   "duplicate": submitted.duplicate})


@never_cache
def support_public_status(request):
    context = {"reference": "", "asked": False}
    if request.method != "POST":
        context["reference"] = request.GET.get("reference", "")[:16]
        return render(request, "support/public_status.html", context)
    reference = request.POST.get("reference", "").strip()[:16]
    context.update(reference=reference, asked=True)
    if over_limit(request):
        return _limited(request, "support/public_status.html", context)
    found = services.lookup(reference, request.POST.get("code", "")[:20])
    if found is None:
        context["problem"] = _("No request matches this reference number and check code. "
                               "Check both and try again.")
        return render(request, "support/public_status.html", context, status=404)
    passes = list(found.passes.filter(valid_until__gt=timezone.now())
                  .select_related("issued_by").order_by("-issued_at")[:3])
    return render(request, "support/public_status.html", {**context, "req": found,
                                                         "steps": steps_of(found),
                                                         "passes": passes})


def steps_of(req) -> list[tuple[str, object]]:
    """(label, time) of each step the request went through, in order."""
    return [(Status(s).label, getattr(req, TIME_FIELD[s])) for s in TIME_FIELD
            if getattr(req, TIME_FIELD[s])]
