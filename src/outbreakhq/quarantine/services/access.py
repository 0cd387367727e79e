"""Typed access to quarantine records by number (core/scoped.py `fetch_in_scope`), the preset
rule of a stay, and the readers of a site or room named in a form or a request body."""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import fetch_in_scope
from outbreakhq.quarantine.models import Room, Site, Stay


def access_stay(actor: Actor, stay_id: int, capability: str = Can.MANAGE_STAYS, *,
                lock: bool = False) -> Stay:
    """A stay the actor may act on; outside their scope, the same 404 as a missing one."""
    return fetch_in_scope(
        Stay.objects.select_related("site", "room"), stay_id, actor=actor,
        capability=capability, what="stay", lock=lock,
        missing=_("No stay with record number %(n)s.") % {"n": stay_id})


def access_site(actor: Actor, site_id: int, capability: str = Can.MANAGE_STAYS, *,
                lock: bool = False) -> Site:
    return fetch_in_scope(
        Site.objects.all(), site_id, actor=actor, capability=capability, what="site",
        lock=lock, missing=_("No quarantine site with number %(n)s.") % {"n": site_id})


def named(actor: Actor, rows, raw, *, message: str, field: str, missing: str,
          lock: bool = False, capability: str = Can.MANAGE_STAYS):
    """The row of `rows` (a model's manager or queryset) a form or body names by number: one
    refusal (400) whether it is missing or outside the actor's scope, naming the field, since
    the number came from the input, not the URL. `missing` is the field's message, with
    %(n)s for the number as typed."""
    row = None
    if str(raw or "").strip().isdigit():
        found = rows.visible_to(actor, capability)
        if lock:
            found = found.select_for_update(of=("self",))
        row = found.filter(pk=int(raw)).first()
    if row is None:
        raise InvalidInput(message, [FieldError(field, missing % {"n": raw})])
    return row


def site_named(actor: Actor, site_id, *, message: str, field: str = "site",
               capability: str = Can.MANAGE_STAYS) -> Site:
    return named(actor, Site.objects, site_id, message=message, field=field,
                 missing=_("no quarantine site %(n)s that you manage"), capability=capability)


def room_locked(site: Site, room_id, *, message: str, field: str = "room") -> Room:
    """The room of `site` a form names, its row locked until the transaction ends: two
    placements into one room queue here, so each counts the other's stay (PostgreSQL; SQLite
    serialises whole write transactions)."""
    room = None
    if str(room_id or "").strip().isdigit():
        room = Room.objects.select_for_update().filter(pk=int(room_id), site=site).first()
    if room is None:
        raise InvalidInput(message, [FieldError(field, _("no room %(n)s in %(site)s")
                                                % {"n": room_id, "site": site.name})])
    return room


def room_numbered(site: Site, number, *, message: str, field: str = "room") -> int | None:
    """The id of the room of `site` a form names by its number (None: none named)."""
    number = str(number or "").strip()
    if not number:
        return None
    ids = list(Room.objects.filter(site=site, number=number).values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        problem = (_("no room %(n)s in %(site)s") if not ids else
                   _("several rooms of %(site)s are numbered %(n)s: pick one from the site's "
                     "page"))
        raise InvalidInput(message, [FieldError(field, problem % {"n": number,
                                                                  "site": site.name})])
    return ids[0]


def rule_of(stay: Stay) -> protocols.PersonRule:
    """The person rule a stay runs under: the preset its dates came from (the deployment's
    overrides when it is the deployment's preset)."""
    current = protocols.current()
    preset = current if current.meta.name == stay.protocol else protocols.load(stay.protocol)
    return preset.rule_for(stay.kind)
