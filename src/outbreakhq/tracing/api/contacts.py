"""API routers for contacts, follow-ups and chains (cases are in tracing/api/cases.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from outbreakhq.core.actor import actor_of
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability
from outbreakhq.tracing import scope_chains as chains
from outbreakhq.tracing import services, worklists
from outbreakhq.tracing.api.cases import CaseFields, CaseOut, ContactIn, ContactOut, body_of, within

contacts_router = Router(tags=["contacts"])
followups_router = Router(tags=["follow-up"])
chains_router = Router(tags=["chains"])


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None = Field(None, description="Pass as `after` for the next page")


class FollowUpIn(Schema):
    status: str = Field(description="well, symptoms, not_reached, refused")
    date: dt.date | None = Field(None, description="Default: today")
    symptoms: str = ""
    temperature: Decimal | None = None


class FollowUpOut(Schema):
    id: int
    contact: int = Field(alias="contact_id")
    date: dt.date
    status: str
    symptoms: str
    temperature: Decimal | None


class ContactPatch(Schema):
    contact_type: str | None = None
    last_exposure: dt.date | None = None
    tracer: str | None = None
    team: int | None = None
    external_id: str | None = None


class ConvertIn(CaseFields):
    detection_route: str = "contact_tracing"


class Closed(Schema):
    closed: int


@contacts_router.get("/", response=ContactPage)
def list_contacts(request, area: str | None = None, q: str = "", status: str = "",
                  category: str = "", case: int | None = None,
                  from_date: dt.date | None = None, to_date: dt.date | None = None,
                  after: str | None = None, limit: int = 50):
    """Contacts in your scope, latest exposure first."""
    require_capability(request, Can.VIEW_PERSON)
    filters = {"q": q, "status": status, "category": category, "case": str(case or ""),
               "from": from_date.isoformat() if from_date else "",
               "to": to_date.isoformat() if to_date else ""}
    page = worklists.contact_list(actor=actor_of(request), within=within(request, area),
                                  filters=filters, after=after,
                                  limit=min(max(limit, 1), 500))
    return {"items": page.rows, "next": page.next_cursor}


@contacts_router.get("/{contact_id}", response=ContactOut)
def get_contact(request, contact_id: int):
    """One contact (audited as a view)."""
    return services.view_contact(actor=actor_of(request), contact_id=contact_id)


@contacts_router.patch("/{contact_id}", response=ContactOut)
def update_contact(request, contact_id: int, payload: ContactPatch):
    """Correct a contact; a new last exposure moves the follow-up window."""
    return services.update_contact(actor=actor_of(request), contact_id=contact_id,
                                   changes=payload.dict(exclude_unset=True))


@contacts_router.post("/{contact_id}/lost", response=ContactOut)
def mark_lost(request, contact_id: int):
    """The contact cannot be found or reached any more."""
    return services.mark_lost(actor=actor_of(request), contact_id=contact_id)


@contacts_router.post("/{contact_id}/contacts", response={201: ContactOut})
def add_secondary_contact(request, contact_id: int, payload: ContactIn):
    """Add a contact of this close contact (when the protocol traces them)."""
    new = payload.new_person.dict() if payload.new_person else None
    return Status(201, services.add_secondary_contact(
        actor=actor_of(request), contact_id=contact_id, data=body_of(payload),
        person_id=payload.person, new_person=new))


@contacts_router.get("/{contact_id}/followups", response=list[FollowUpOut])
def list_followups(request, contact_id: int):
    """The contact's follow-up records, oldest first (audited as a view of the contact)."""
    contact = services.view_contact(actor=actor_of(request), contact_id=contact_id)
    return list(contact.followups.all())


@contacts_router.post("/{contact_id}/followups", response={201: FollowUpOut})
def record_followup(request, contact_id: int, payload: FollowUpIn):
    """Record a day's follow-up; a second record for the same day corrects the first."""
    followup = services.record_followup(actor=actor_of(request), contact_id=contact_id,
                                        data=payload.dict())
    return Status(201, followup)


@contacts_router.post("/{contact_id}/quarantine", response=ContactOut)
def hand_over_to_quarantine(request, contact_id: int):
    """Hand the contact over to quarantine."""
    return services.hand_over_to_quarantine(actor=actor_of(request), contact_id=contact_id)


@contacts_router.post("/{contact_id}/convert", response={201: CaseOut})
def convert_contact_to_case(request, contact_id: int, payload: ConvertIn):
    """The contact turned positive: open a case linked to the contact's source."""
    case = services.convert_contact_to_case(actor=actor_of(request), contact_id=contact_id,
                                            data=payload.dict())
    return Status(201, case)


@followups_router.get("/due", response=ContactPage)
def due_today(request, who: str = "mine", area: str | None = None, after: str | None = None,
              limit: int = 50):
    """Contacts due for follow-up today with nothing recorded yet (`who`: mine, team, all)."""
    return _worklist_page(request, worklists.due_today, who, area, after, limit)


@followups_router.get("/overdue", response=ContactPage)
def overdue(request, who: str = "mine", area: str | None = None, after: str | None = None,
            limit: int = 50):
    """Contacts not seen on their last due day before today."""
    return _worklist_page(request, worklists.overdue, who, area, after, limit)


def _worklist_page(request, worklist, who: str, area: str | None, after: str | None,
                   limit: int) -> dict:
    """One page of a follow-up worklist (at most 500 rows), for whoever may view people."""
    require_capability(request, Can.VIEW_PERSON)
    page = worklist(actor=actor_of(request), within=within(request, area), who=who,
                    after=after, limit=min(max(limit, 1), 500))
    return {"items": page.rows, "next": page.next_cursor}


@followups_router.post("/close", response=Closed)
def close_followups(request, area: str | None = None):
    """Mark every contact whose follow-up has ended as completed."""
    require_capability(request, Can.TRACE_CONTACT)
    return {"closed": services.close_followups(actor=actor_of(request), within=within(request,
                                                                                      area))}


@chains_router.get("/")
def list_chains(request, area: str | None = None):
    """Number of chains, size and generations of each, cases without a known source."""
    require_capability(request, Can.VIEW_PERSON)
    return chains.as_dict(chains.scope_chains(actor=actor_of(request), within=within(request,
                                                                                     area)))


@chains_router.get("/graph")
def chain_graph(request, area: str | None = None, max_chains: int = chains.MAX_CHAINS):
    """Cytoscape elements of the largest chains (record numbers only)."""
    require_capability(request, Can.VIEW_PERSON)
    found = chains.scope_chains(actor=actor_of(request), within=within(request, area))
    return chains.graph(found, max_chains=min(max(max_chains, 1), 500))
