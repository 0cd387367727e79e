"""Case pages: the line list, a new case, a case's investigation (visits, exposures, contacts,
source). Each form posts to its own URL; with htmx the section swaps in place, without it the
page reloads. Every write goes through tracing.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import services as people
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.core.views import require_capability
from outbreakhq.tracing import services, worklists
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case, Classification, Contact
from outbreakhq.tracing.services.cases import CASE_READERS, EXPOSURE_READERS, VISIT_READERS
from outbreakhq.tracing.services.contacts import CONTACT_READERS
from outbreakhq.tracing.views.common import (
    PERSON_FIELDS,
    choices,
    edit_form,
    errors_of,
    new_person,
    person_id,
    posted,
)

CASE_FILTERS = ("q", "classification", "route", "from", "to", "no_source")


@login_required
def case_list(request):
    require_capability(request, Can.VIEW_PERSON)
    filters = {k: request.GET.get(k, "").strip() for k in CASE_FILTERS}
    page = worklists.case_list(actor=actor_of(request), within=request.scope_area, filters=filters,
                               after=request.GET.get("after"))
    template = "tracing/_case_rows.html" if request.htmx else "tracing/cases.html"
    return render(request, template, {
        "page": page, "filters": filters, "first_page": not request.GET.get("after"),
        "may_open": can(actor_of(request), Can.PROPOSE_CASE), **choices()})


@login_required
def case_create(request):
    """Pick the person (search) or register them, then the case: one transaction."""
    require_capability(request, Can.PROPOSE_CASE)
    picked, errors, values = None, {}, {"report_date": today().isoformat()}
    query = request.GET.get("q", "").strip()
    if request.method == "POST":
        values = posted(request, [*CASE_READERS, *PERSON_FIELDS, "person"])
        try:
            case = services.open_case(actor=actor_of(request), data=posted(request, CASE_READERS),
                                      person_id=person_id(request),
                                      new_person=new_person(request))
        except InvalidInput as exc:
            errors = errors_of(exc)
        else:
            messages.success(request, _("Case #%(n)s opened.") % {"n": case.pk})
            return redirect("case", pk=case.pk)
    chosen = request.POST.get("person") or request.GET.get("person")
    if chosen and chosen.isdigit():
        # Picking a person shows their record: audited as a view (not again on a re-post).
        fetch = people.view_person if request.method == "GET" else people.access_person
        picked = fetch(actor=actor_of(request), person_id=int(chosen))
    found = people.search_people(actor=actor_of(request), query=query, within=request.scope_area,
                                 limit=20) if query else None
    context = {"picked": picked, "query": query, "found": found, "errors": errors,
               "values": values, "default_area": _default_area(request), **choices(),
               **_proposal(request)}
    if request.htmx and request.method == "GET":
        return render(request, "tracing/_person_pick.html", context)
    return render(request, "tracing/case_new.html", context)


def _proposal(request) -> dict:
    """A user who only proposes cases is offered "suspected" and no source or cluster fields
    (the service refuses them anyway: services/cases.py, check_proposal)."""
    if can(actor_of(request), Can.MANAGE_CASE):
        return {"proposal": False}
    return {"proposal": True, "classifications": [
        (value, label) for value, label in Classification.choices
        if value == Classification.SUSPECTED]}


def _default_area(request) -> str:
    """The scope picked in the switcher, or the user's one area: a code to start from."""
    areas = scope_areas(actor_of(request), Can.PROPOSE_CASE, within=request.scope_area)
    return areas[0].code if len(areas) == 1 else ""


CONTACTS_ON_CASE_PAGE = 200  # a superspreader's hundreds more are in the contact list


def _case_context(request, case: Case, **extra) -> dict:
    """Everything the case page and its sections show (a handful of small queries)."""
    mine = Contact.objects.visible_to(actor_of(request)).filter(source_case=case)
    source = Case.objects.visible_to(actor_of(request)).select_related("person").filter(
        pk=case.source_case_id).first()
    contacts = list(mine.select_related("person", "tracer").order_by("-last_exposure", "pk")
                    [:CONTACTS_ON_CASE_PAGE + 1])
    return {
        "case": case, "visits": list(case.visits.select_related("area")),
        "exposures": list(case.exposures.all()),
        "contacts": contacts[:CONTACTS_ON_CASE_PAGE],
        "contacts_more": len(contacts) > CONTACTS_ON_CASE_PAGE,
        "contacts_total": mine.count() if len(contacts) > CONTACTS_ON_CASE_PAGE
        else len(contacts),
        "contacts_elsewhere": Contact.objects.filter(source_case=case).exclude(
            pk__in=mine.values("pk")).count(),
        "infected": list(Case.objects.visible_to(actor_of(request)).filter(source_case=case)
                         .select_related("person")),
        # Scoped: the contact the case came from may lie in another county (the person moved);
        # a link to it would lead to a 404, and its number is not this user's to know.
        "source": source, "from_contact": Contact.objects.visible_to(actor_of(request)).filter(
            converted_case=case).first(),
        "may_manage": can(actor_of(request), Can.MANAGE_CASE, case.area),
        "may_trace": can(actor_of(request), Can.TRACE_CONTACT, case.area),
        "today": today().isoformat(), "errors": {}, "values": {}, **choices(), **extra,
    }


@login_required
def case_detail(request, pk: int):
    case = services.access_case(actor=actor_of(request), case_id=pk)
    context = _case_context(request, case)
    # One view event naming everyone the page shows: the case's person, contacts, source and
    # the cases it infected.
    services.record_case_view(actor=actor_of(request), case=case, others=[
        *context["contacts"], *context["infected"], *filter(None, [context["source"]])])
    return render(request, "tracing/case.html", context)


@login_required
def case_edit(request, pk: int):
    case = services.access_case(actor=actor_of(request), case_id=pk, capability=Can.MANAGE_CASE)
    values = {k: getattr(case, k) for k in CASE_READERS if k != "source_case"}
    values["source_case"] = case.source_case_id or ""
    values["cluster"] = case.cluster_id or ""
    return edit_form(
        request, readers=CASE_READERS, values=values, page=("case", pk),
        save=lambda changes: services.update_case(actor=actor_of(request), case_id=pk,
                                                  changes=changes),
        saved=_("Case #%(n)s saved.") % {"n": pk}, template="tracing/case_form.html",
        context={"case": case})


def _section(request, pk: int, form: str, template: str, write) -> object:
    """Run one section's write; answer with the section (htmx) or the whole page."""
    errors, values = {}, {}
    try:
        write()
    except InvalidInput as exc:
        errors, values = errors_of(exc), dict(request.POST.items())
    case = services.access_case(actor=actor_of(request), case_id=pk)
    if not errors and not request.htmx:
        return redirect("case", pk=pk)
    context = _case_context(request, case, errors={form: errors}, values={form: values})
    return render(request, template if request.htmx else "tracing/case.html", context)


@login_required
@require_POST
def case_add_visit(request, pk: int):
    return _section(request, pk, "visit", "tracing/_visits.html", lambda: services.record_visit(
        actor=actor_of(request), case_id=pk, data=posted(request, VISIT_READERS)))


@login_required
@require_POST
def case_add_exposure(request, pk: int):
    return _section(request, pk, "exposure", "tracing/_exposures.html",
                    lambda: services.record_exposure(
                        actor=actor_of(request), case_id=pk, data=posted(request,
                                                                         EXPOSURE_READERS)))


@login_required
@require_POST
def case_add_contact(request, pk: int):
    return _section(request, pk, "contact", "tracing/_case_contacts.html",
                    lambda: services.add_contact(
                        actor=actor_of(request), case_id=pk, data=posted(request, CONTACT_READERS),
                        person_id=person_id(request), new_person=new_person(request)))


@login_required
@require_POST
def case_link_source(request, pk: int):
    raw = request.POST.get("source_case", "").strip()
    return _section(request, pk, "source", "tracing/_case_source.html",
                    lambda: services.update_case(actor=actor_of(request), case_id=pk,
                                                 changes={"source_case": raw}))


MOVE_CHOICES_UP_TO = 500  # areas offered in a list; a larger scope types the area's code


def _move_targets(request, case: Case) -> list[tuple[str, str]] | None:
    """The areas of the case's tree where the user manages cases (where the case may go), as
    (code, name) ordered along the tree; None when there are too many to list."""
    roots = [a for a in scope_areas(actor_of(request), Can.MANAGE_CASE)
             if a.tenant_id == case.tenant_id]
    query = Q(pk__in=[])
    for root in roots:
        query |= Q(path__startswith=root.path)
    areas = list(Area.objects.filter(query).exclude(pk=case.area_id).order_by("path")
                 [:MOVE_CHOICES_UP_TO + 1])
    if len(areas) > MOVE_CHOICES_UP_TO:
        return None
    language = get_language()
    return [(a.code, f"{a.display_name(language)} ({a.code})") for a in areas]


@login_required
def case_move(request, pk: int):
    """Move a case reported in the wrong area to another one of the user's scope: a form (the
    area, a required reason), then a confirmation that says the daily figures move with the
    case, then the move. Both steps run the service's checks (services/moves.py)."""
    actor = actor_of(request)
    case = services.access_case(actor=actor, case_id=pk, capability=Can.MANAGE_CASE)
    values = posted(request, ("area", "reason")) if request.method == "POST" else {}
    errors, target = {}, None
    if request.method == "POST":
        try:
            target, _reason = services.check_move(actor=actor, case=case,
                                                  area_code=values.get("area", ""),
                                                  reason=values.get("reason", ""))
            if request.POST.get("confirm"):
                services.move_case(actor=actor, case_id=pk, area_code=values["area"],
                                   reason=values["reason"])
                messages.success(request, _("Case #%(n)s moved to %(area)s.") % {
                    "n": pk, "area": target.display_name(get_language())})
                return redirect("case", pk=pk)
        except InvalidInput as exc:
            errors, target = errors_of(exc), None
    return render(request, "tracing/case_move.html", {
        "case": case, "values": values, "errors": errors, "target": target,
        "targets": _move_targets(request, case)})
