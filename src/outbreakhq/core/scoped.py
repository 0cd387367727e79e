"""Access to records by number, and the refusals: one path for every app.

Each resource has one typed accessor (`access_person` here, `access_case` and `access_contact`
in tracing, as zulip's `access_stream_by_id`): the row if it lies in the actor's scope for the
capability, else the same refusal whether it is missing or not yours. A refusal is audited
(`denied`), and that event must outlive the rollback of the change it refused: see `atomic`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound, NotPermitted, OutOfScope
from outbreakhq.core.models import Area, Person, ScopedQuerySet
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can

_LARGEST_NUMBER = 2**63 - 1  # a bigint; a larger number is missing, not a database error
_DEPTH, _HELD = "_outbreakhq_refusals_depth", "_outbreakhq_refusals"


@contextmanager
def atomic() -> Iterator[None]:
    """transaction.atomic() whose refusals survive its rollback.

    Chosen over on_commit (which never runs on a rollback) and over a second connection
    (SQLite holds one writer): inside this block a `denied` event is held in memory, and
    written when the outermost such block ends, committed or rolled back, outside its
    transaction. So a refused row inside a batch import stays audited when the batch fails."""
    depth = getattr(connection, _DEPTH, 0)
    if depth == 0:
        setattr(connection, _HELD, [])
    setattr(connection, _DEPTH, depth + 1)
    try:
        with transaction.atomic():
            yield
    finally:
        setattr(connection, _DEPTH, depth)
        if depth == 0:
            held = getattr(connection, _HELD)
            setattr(connection, _HELD, [])
            for event in held:
                audit.record(**event)


def refused(actor: Actor, capability: str, *, what: str, object_id="",
            area: Area | None = None, person: Person | None = None, **detail) -> None:
    """The `denied` audit event of a refusal: now, or when the enclosing `atomic` ends."""
    event = {"actor": actor, "action": "denied", "object_type": what, "object_id": object_id,
             "person": person, "area": area, "detail": {"capability": capability, **detail}}
    if getattr(connection, _DEPTH, 0):
        getattr(connection, _HELD).append(event)
    else:
        audit.record(**event)


def held_mark() -> int:
    """Where the refusals held by the enclosing `atomic` end now (see `take_held`)."""
    return len(getattr(connection, _HELD))


def take_held(mark: int) -> list[dict]:
    """Take back the refusals held since `mark`, so that a caller fetching several rows answers
    for one refusal only (core/unit_of_work.py `fetch_each`); `hold` puts them back."""
    held = getattr(connection, _HELD)
    taken, held[mark:] = held[mark:], []
    return taken


def hold(events: list[dict]) -> None:
    getattr(connection, _HELD).extend(events)


def not_for_your_role(capability: str) -> NotPermitted:
    return NotPermitted(_("Your role does not allow you to %(what)s anywhere. If your work "
                          "needs it, ask an administrator.") % {"what": Can(capability).label})


def outside(capability: str, area: Area) -> OutOfScope:
    return OutOfScope(_("You may not %(what)s in %(area)s (%(code)s): it is outside your "
                        "jurisdiction.") % {"what": Can(capability).label,
                                            "area": area.display_name(get_language()),
                                            "code": area.code})


def require(actor: Actor, capability: str, area: Area, *, person: Person | None = None,
            what: str = "person") -> None:
    """Refuse, and leave an audit event, when the actor lacks the capability over the area.

    Only for an area the actor named themselves (an area code typed in a form, `area=` of a
    list): the refusal names it, and area names are not personal data. Never pass the area of
    a record fetched by number: the accessors answer for those, without naming any area."""
    if can(actor, capability, area):
        return
    refused(actor, capability, what=what, object_id=person.pk if person else "", area=area,
            person=person)
    if not can(actor, capability):
        raise not_for_your_role(capability)
    raise outside(capability, area)


def require_role(actor: Actor, capability: str, *, what: str) -> None:
    """Refuse (403, audited) an actor none of whose roles grants `capability` anywhere: checked
    first in a use case, before its input, so that the answer does not depend on the input."""
    if can(actor, capability):
        return
    refused(actor, capability, what=what)
    raise not_for_your_role(capability)


def fetch_in_scope(rows: ScopedQuerySet, pk: int, *, actor: Actor, capability: str, what: str,
                   missing: str, lock: bool = False, seen_with: str = Can.VIEW_PERSON):
    """The one way to fetch a single personal-data row by number: the row if it lies in the
    actor's scope for `capability` (`rows`: the model's scoped queryset, with any joins the
    caller wants); else 404 with `missing`, the same status and the same body whether the row
    does not exist or lies outside the actor's scope.

    Security (issue 7, "one answer for not there and not yours"): a 403 naming the record's
    area for "not yours" let anyone walk the numbers and learn where every record lives.
    - The answer depends on the role, never on the record, before anything is looked up: a
      role without the capability anywhere gets 403 "not allowed for your role" for every
      number, existing or not.
    - Both refusals take the same path and cost the same work, so neither the answer nor its
      time tells them apart: one query fetches the row by number without the scope filter and
      computes in the same statement whether it lies in the scope (an EXISTS), then one
      `denied` audit event is written (with the record's area, person and the capability when
      the row exists, so an auditor sees the probing, and the probing of missing numbers too),
      then the 404.
    - A row the actor may see (`seen_with` over its area) but not act on (`capability`) gets
      403 naming its area: that tells nothing the actor cannot read already.
    """
    if not can(actor, capability):
        refused(actor, capability, what=what, object_id=pk)
        raise not_for_your_role(capability)
    visible = rows.visible_to(actor, capability)
    found_rows = rows.with_place().annotate(in_scope=Exists(visible.filter(pk=OuterRef("pk"))))
    if lock:
        found_rows = found_rows.select_for_update(of=("self",))
    found = found_rows.filter(pk=pk).first() if 0 < pk <= _LARGEST_NUMBER else None
    if found is not None and found.in_scope:
        return found
    area = person = None
    if found is not None:
        area, person = rows.area_of(found), rows.person_of(found)
    refused(actor, capability, what=what, object_id=pk, area=area, person=person,
            found=found is not None)
    if found is not None and can(actor, seen_with, area):
        raise outside(capability, area)
    raise NotFound(missing)


def access_person(actor: Actor, person_id: int, capability: str = Can.VIEW_PERSON, *,
                  lock: bool = False) -> Person:
    """A person the actor may see, or the refusal of fetch_in_scope."""
    return fetch_in_scope(
        Person.objects.all(), person_id, actor=actor, capability=capability, what="person",
        lock=lock, missing=_("No person with record number %(n)s.") % {"n": person_id})
