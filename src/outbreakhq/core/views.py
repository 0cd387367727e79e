"""Pages of the core module: overview, people, areas, scope switcher, API tokens."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import hooks, services, tokens
from outbreakhq.core.actor import Actor, actor_of
from outbreakhq.core.errors import InvalidInput, NotFound, OutOfScope
from outbreakhq.core.forms import PersonForm
from outbreakhq.core.middleware import SESSION_KEY
from outbreakhq.core.models import Area, Person
from outbreakhq.core.panels import panels_for
from outbreakhq.core.roles import HOME_FIRST, Can
from outbreakhq.core.scope import assignments, can, scope_areas, visible_areas

PEOPLE_COUNTS_SECONDS = 300  # how old the overview's "people registered" may be


def require_capability(request, capability: str) -> None:
    if not can(actor_of(request), capability):
        services.require(actor_of(request), capability, request.scope_area or _any_area(request))


def _any_area(request) -> Area:
    area = visible_areas(actor_of(request)).first() or Area.objects.roots().first()
    if area is None:
        raise NotFound(_("No areas are set up yet: import an area tree first."))
    return area


@login_required
def home(request):
    """Each role's home: its work of today (the panels apps register, core/hooks.py
    HOME_PANELS), then the overview of the current scope: the areas one level down with
    population and people registered (aggregates only, so every role may see it)."""
    require_capability(request, Can.VIEW_AGGREGATES)
    areas = scope_areas(actor_of(request), Can.VIEW_AGGREGATES, within=request.scope_area)
    if len(areas) == 1:
        parent = areas[0]
        rows = list(parent.children.all())
    else:
        parent, rows = None, areas
    actor = actor_of(request)
    counts = _people_counts(actor, rows, within=request.scope_area)
    table = [(a, counts.get(a.code, 0)) for a in rows]
    tiles = [(t, t.context(actor, request.scope_area)) for t in hooks.TILES
             if can(actor, t.capability)]
    return render(request, "core/home.html", {
        "parent": parent, "table": table, "tiles": tiles,
        "panels": home_panels(actor, request.scope_area),
        "total_population": sum(a.population for a in rows) or (parent.population if parent else 0),
        "total_people": sum(counts.values()),
    })


def home_panels(actor: Actor, area: Area | None) -> list[tuple[hooks.HomePanel, dict]]:
    """Today's work of the actor's roles (core/hooks.py HOME_PANELS): every panel whose
    capability the actor holds and which has something to show, the panels of the actor's own
    work first (roles.HOME_FIRST), then the others in their order."""
    first = {HOME_FIRST.get(a.role) for a in assignments(actor)}
    shown = []
    for panel in sorted(hooks.HOME_PANELS, key=lambda p: p.capability not in first):
        if can(actor, panel.capability):
            context = panel.context(actor, area)
            if context is not None:
                shown.append((panel, context))
    return shown


def _people_counts(actor: Actor, areas: list[Area], *, within: Area | None) -> dict[str, int]:
    """People registered under each area (areas of the actor's scope): one scan of the scoped
    people grouped by home area, summed per subtree in Python (areas are few; a COUNT per area
    would scan the people once per area)."""
    if not areas:
        return {}
    per_home = (Person.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=within)
                .values_list("home_area__path").annotate(n=Count("id")))
    # The scan costs half a second at a million people and every home page of the scope asks
    # it: its counts (aggregates only) are kept PEOPLE_COUNTS_SECONDS in the shared cache,
    # under the query itself, so two scopes never share an answer.
    key = "people-counts:" + hashlib.sha256(str(per_home.query).encode()).hexdigest()
    per_home = cache.get_or_set(key, lambda: list(per_home), PEOPLE_COUNTS_SECONDS)
    counts = dict.fromkeys((a.code for a in areas), 0)
    for path, n in per_home:
        for area in areas:
            if path.startswith(area.path):
                counts[area.code] += n
    return counts


@login_required
def people(request):
    require_capability(request, Can.VIEW_PERSON)
    query = request.GET.get("q", "").strip()
    found = services.search_people(actor=actor_of(request), query=query,
                                   within=request.scope_area) if query else None
    template = "core/_people_table.html" if request.htmx else "core/people.html"
    return render(request, template, {"query": query, "people": found,
                                      "may_register": can(actor_of(request), Can.CHANGE_PERSON)})


@login_required
def person_detail(request, pk: int):
    person = services.access_person(actor=actor_of(request), person_id=pk)
    panels = panels_for(actor_of(request), person)
    # One view event, naming the other people the panels show too (core/panels.py).
    services.record_person_view(actor=actor_of(request), person=person, others=[
        row for _template, panel in panels for row in panel.get("shown_rows", ())])
    return render(request, "core/person.html", {
        "person": person, "key_groups": list(person.key_groups.all()),
        "may_edit": can(actor_of(request), Can.CHANGE_PERSON, person.home_area), "panels": panels,
    })


def _person_form_page(request, *, person: Person | None):
    if request.method == "POST":
        form = PersonForm(request.POST)
        data = {k: v for k, v in request.POST.items() if k in services.EDITABLE}
        data["key_groups"] = request.POST.getlist("key_groups")
        try:
            if person is None:
                person = services.register_person(actor=actor_of(request), data=data)
            else:
                person = services.update_person(actor=actor_of(request), person_id=person.pk,
                                                changes=data)
        except InvalidInput as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": person.name})
            return redirect("person", pk=person.pk)
    else:
        form = PersonForm.for_person(person, default_area=request.scope_area)
    return render(request, "core/person_form.html", {"form": form, "person": person})


@login_required
def person_create(request):
    require_capability(request, Can.CHANGE_PERSON)
    return _person_form_page(request, person=None)


@login_required
def person_edit(request, pk: int):
    fetch = services.view_person if request.method == "GET" else services.access_person
    person = fetch(actor=actor_of(request), person_id=pk, capability=Can.CHANGE_PERSON)
    return _person_form_page(request, person=person)


@login_required
@require_POST
def switch_scope(request):
    code = request.POST.get("area", "")
    if code and not visible_areas(actor_of(request)).filter(code=code).exists():
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise NotFound(_("No area with code %(code)s.") % {"code": code})
        services.require(actor_of(request), Can.VIEW_AGGREGATES, area)
    request.session[SESSION_KEY] = code or None
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


@login_required
def api_tokens(request):
    secret = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                tokens.revoke_token(actor=actor_of(request), token_id=int(request.POST["revoke"]))
                messages.success(request, _("Token revoked."))
                return redirect("tokens")
            days = int(request.POST.get("days") or 90)
            _token, secret = tokens.issue_token(
                actor=actor_of(request), name=request.POST.get("name", ""), days=days)
        except (InvalidInput, ValueError) as exc:
            messages.error(request, str(exc) if isinstance(exc, InvalidInput)
                           else _("Days must be a whole number."))
    mine = request.user.api_tokens.all()
    return render(request, "core/tokens.html", {"tokens": mine, "secret": secret})


@login_required
def areas(request, code: str | None = None):
    """Browse the area tree: an area, its children and their figures."""
    require_capability(request, Can.VIEW_AGGREGATES)
    visible = visible_areas(actor_of(request))
    if code is None:
        area = request.scope_area
    else:
        area = visible.filter(code=code).first()
        if area is None:
            other = Area.objects.filter(code=code).first()
            if other is None:
                raise NotFound(_("No area with code %(code)s.") % {"code": code})
            services.require(actor_of(request), Can.VIEW_AGGREGATES, other)
            raise OutOfScope()
    rows = list(area.children.all()) if area else list(
        visible.filter(depth=min(visible.values_list("depth", flat=True), default=0)))
    child_counts = dict(Area.objects.filter(parent__in=rows).values_list("parent__code")
                        .annotate(n=Count("id")).values_list("parent__code", "n"))
    return render(request, "core/areas.html", {
        "area": area, "rows": [(a, child_counts.get(a.code, 0)) for a in rows],
        "trail": list(area.ancestors()) if area else [],
        "may_import": can(actor_of(request), Can.MANAGE_AREAS),
    })
