"""Contact pages, the follow-up worklist and the chains page."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq import protocols
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.views import require_capability
from outbreakhq.tracing import rules, services, worklists
from outbreakhq.tracing import scope_chains as chains
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case, Contact, ContactCategory, ContactStatus, FollowUp
from outbreakhq.tracing.person_panel import source_seen
from outbreakhq.tracing.services.cases import CASE_READERS
from outbreakhq.tracing.services.contacts import CONTACT_READERS
from outbreakhq.tracing.services.followups import FOLLOWUP_READERS
from outbreakhq.tracing.views.common import (
    choices,
    edit_form,
    errors_of,
    new_person,
    person_id,
    posted,
)

CONTACT_FILTERS = ("q", "status", "category", "from", "to", "case")
WORKLISTS = {"due": worklists.due_today, "overdue": worklists.overdue}


@login_required
def contact_list(request):
    require_capability(request, Can.VIEW_PERSON)
    filters = {k: request.GET.get(k, "").strip() for k in CONTACT_FILTERS}
    page = worklists.contact_list(actor=actor_of(request), within=request.scope_area,
                                  filters=filters,
                                  after=request.GET.get("after"))
    template = "tracing/_contact_rows.html" if request.htmx else "tracing/contacts.html"
    return render(request, template, {"page": page, "filters": filters,
                                      "first_page": not request.GET.get("after"), **choices()})


def calendar(contact: Contact) -> list[dict]:
    """One entry per day of the follow-up window, with what was recorded or is expected.

    Nobody could call before the contact was traced (the record created): those days are
    "not traced yet", not missed. Only a contact under follow-up is expected to be checked:
    once the contact became a case (from the case's report day), was handed over to
    quarantine, completed or was lost, the days without a check show that status instead."""
    recorded = {f.date: f for f in contact.followups.all()}
    converted = (contact.converted_case.report_date if contact.status == ContactStatus.CONVERTED
                 and contact.converted_case_id else None)
    days = rules.calendar(
        contact.followup_start, contact.followup_end, today=today(),
        traced=timezone.localdate(contact.created_at) if contact.created_at else None,
        closed=rules.closed_from(contact.status, converted_report=converted,
                                 followup_start=contact.followup_start),
        recorded={day: f.status for day, f in recorded.items()},
        test_dates=services.test_dates(contact))
    # the status is written once, on the first closed day (first_closed)
    return [{**asdict(d), "followup": recorded.get(d.date)} for d in days]


def _contact_context(request, contact: Contact, **extra) -> dict:
    followed = contact.status in (ContactStatus.FOLLOWING, ContactStatus.QUARANTINE)
    return {
        "contact": contact, "days": calendar(contact), "followed": followed,
        "source_seen": source_seen(actor_of(request), contact),
        "secondary": list(Contact.objects.visible_to(actor_of(request)).filter(
            source_contact=contact).select_related("person")),
        "may_trace": can(actor_of(request), Can.TRACE_CONTACT, contact.area),
        "may_follow": can(actor_of(request), Can.RECORD_FOLLOWUP, contact.area),
        "traces_secondary": contact.category == ContactCategory.CLOSE
        and protocols.current().tracing.trace_contacts_of_contacts,
        "today": today().isoformat(), "errors": {}, "values": {}, **choices(), **extra,
    }


@login_required
def contact_detail(request, pk: int):
    contact = services.access_contact(actor=actor_of(request), contact_id=pk)
    context = _contact_context(request, contact)
    # One view event naming everyone the page shows: the contact, its source, its contacts.
    source = contact.source_case or contact.source_contact
    services.record_contact_view(actor=actor_of(request), contact=contact,
                                 others=[*context["secondary"], *filter(None, [source])])
    return render(request, "tracing/contact.html", context)


def _contact_write(request, pk: int, form: str, write, *, partial: str | None = None):
    """Run one write on the contact page; the follow-up section swaps in place under htmx."""
    errors, values, done = {}, {}, None
    try:
        done = write()
    except InvalidInput as exc:
        errors, values = errors_of(exc), dict(request.POST.items())
    if not errors and not (request.htmx and partial):
        return done
    contact = services.access_contact(actor=actor_of(request), contact_id=pk)
    context = _contact_context(request, contact, errors={form: errors}, values={form: values})
    return render(request, partial if request.htmx and partial else "tracing/contact.html",
                  context)


@login_required
@require_POST
def contact_followup(request, pk: int):
    data = posted(request, FOLLOWUP_READERS)
    if request.POST.get("from") == "worklist":
        return _worklist_followup(request, pk, data)
    answer = _contact_write(request, pk, "followup", lambda: services.record_followup(
        actor=actor_of(request), contact_id=pk, data=data),
        partial="tracing/_followup.html")
    return redirect("contact", pk=pk) if isinstance(answer, FollowUp) else answer


def _worklist_followup(request, pk: int, data: dict):
    """One click in the worklist: record, and replace the row by what was recorded."""
    contact = services.access_contact(actor=actor_of(request), contact_id=pk)
    try:
        followup = services.record_followup(actor=actor_of(request), contact_id=pk, data=data)
    except InvalidInput as exc:
        return render(request, "tracing/_worklist_row.html",
                      {"contact": contact, "error": str(exc), **choices()})
    if not request.htmx:
        return redirect(request.POST.get("next") or "followups")
    return render(request, "tracing/_worklist_row.html",
                  {"contact": contact, "recorded": followup, **choices()})


def _status_change(request, pk: int, change, done: str):
    """The quarantine section's buttons: change the status, or re-render with the refusal."""
    answer = _contact_write(request, pk, "quarantine", lambda: change(
        actor=actor_of(request), contact_id=pk))
    if isinstance(answer, Contact):
        messages.success(request, done)
        return redirect("contact", pk=pk)
    return answer


@login_required
@require_POST
def contact_quarantine(request, pk: int):
    return _status_change(request, pk, services.hand_over_to_quarantine,
                          _("Handed over to quarantine."))


@login_required
@require_POST
def contact_lost(request, pk: int):
    return _status_change(request, pk, services.mark_lost, _("Marked lost to follow-up."))


@login_required
def contact_edit(request, pk: int):
    contact = services.access_contact(actor=actor_of(request), contact_id=pk,
                                   capability=Can.TRACE_CONTACT)
    values = {"contact_type": contact.contact_type, "last_exposure": contact.last_exposure,
              "tracer": contact.tracer.get_username() if contact.tracer else "",
              "team": contact.team_id or "", "external_id": contact.external_id}
    return edit_form(
        request, readers=CONTACT_READERS, values=values, page=("contact", pk),
        save=lambda changes: services.update_contact(actor=actor_of(request), contact_id=pk,
                                                     changes=changes),
        saved=_("Contact #%(n)s saved.") % {"n": pk}, template="tracing/contact_form.html",
        context={"contact": contact})


@login_required
@require_POST
def contact_convert(request, pk: int):
    answer = _contact_write(request, pk, "convert", lambda: services.convert_contact_to_case(
        actor=actor_of(request), contact_id=pk, data=posted(request, CASE_READERS)))
    if isinstance(answer, Case):
        messages.success(request, _("Case #%(n)s opened from this contact.") % {"n": answer.pk})
        return redirect("case", pk=answer.pk)
    return answer


@login_required
@require_POST
def contact_add_secondary(request, pk: int):
    answer = _contact_write(request, pk, "secondary", lambda: services.add_secondary_contact(
        actor=actor_of(request), contact_id=pk, data=posted(request, CONTACT_READERS),
        person_id=person_id(request), new_person=new_person(request)))
    if isinstance(answer, Contact):
        messages.success(request, _("Contact of a close contact added."))
        return redirect("contact", pk=pk)
    return answer


@login_required
def followup_worklist(request):
    require_capability(request, Can.VIEW_PERSON)
    which = request.GET.get("list") if request.GET.get("list") in WORKLISTS else "due"
    who = request.GET.get("who") if request.GET.get("who") in ("mine", "team", "all") else "mine"
    page = WORKLISTS[which](actor=actor_of(request), within=request.scope_area, who=who,
                            after=request.GET.get("after"))
    return render(request, "tracing/followups.html", {
        "page": page, "which": which, "who": who, "today": today(),
        "may_close": can(actor_of(request), Can.TRACE_CONTACT),
        "in_team": who == "team" and request.user.tracing_teams.exists(),
        "first_page": not request.GET.get("after"), **choices()})


@login_required
@require_POST
def followups_close(request):
    """Mark the scope's contacts whose follow-up ended before today as completed."""
    require_capability(request, Can.TRACE_CONTACT)
    closed = services.close_followups(actor=actor_of(request), within=request.scope_area)
    messages.success(request, _("%(n)d contacts whose follow-up had ended were marked "
                                "completed.") % {"n": closed})
    return redirect(f"{reverse('followups')}?list=overdue")


@login_required
def chain_page(request):
    require_capability(request, Can.VIEW_PERSON)
    found = chains.scope_chains(actor=actor_of(request), within=request.scope_area)
    multi = found.summary.linked  # chains of two cases or more, as arrays until read
    alone = 1 if found.cases else 0
    largest = int(multi.sizes[0]) if len(multi) else alone
    table = multi[:chains.MAX_CHAINS]
    unsourced = found.without_source[:50]
    waiting = found.not_listed[:50]
    # External ids beside record numbers (issue 14): the ids of the files the cases came from.
    named = chains.external_ids({*(pk for chain in table for pk in chain.roots[:5]), *unsourced,
                                 *(pk for pk, _e in waiting)})
    return render(request, "tracing/chains.html", {
        "found": found, "table": table, "linked_chains": len(multi), "named": named,
        "not_listed_sample": [(pk, named.get(pk, ""), source) for pk, source in waiting],
        "unsourced_named": [(pk, named.get(pk, "")) for pk in unsourced],
        "chain_rows": [(chain, [(pk, named.get(pk, "")) for pk in chain.roots[:5]])
                       for chain in table],
        "largest": largest, "giant": largest > chains.MAX_NODES,
        "deepest": int(multi.depths.max()) if len(multi) else alone,
        "unsourced_sample": found.without_source[:50], "max_chains": chains.MAX_CHAINS,
        "max_nodes": chains.MAX_NODES,
    })


@login_required
def chain_graph(request):
    """The graph of the largest chains as cytoscape elements (record numbers, no names)."""
    require_capability(request, Can.VIEW_PERSON)
    found = chains.scope_chains(actor=actor_of(request), within=request.scope_area)
    return JsonResponse(chains.graph(found))
