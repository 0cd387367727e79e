"""Sites and their rooms: set up by the quarantine manager of the area."""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.quarantine.models import Building, Floor, Room, Site, SiteKind
from outbreakhq.quarantine.services.access import access_site
from outbreakhq.quarantine.services.stays import refuse


def create_site(*, actor: Actor, area: Area, name: str, kind: str,
                shared_rooms: bool = False) -> Site:
    message = _("The site was not created.")
    require_role(actor, Can.MANAGE_STAYS, what="site")
    require(actor, Can.MANAGE_STAYS, area, what="site")
    name = (name or "").strip()
    if not name:
        refuse(message, "name", _("is required"))
    if kind not in SiteKind.values:
        refuse(message, "kind", _("%(value)r is not one of %(choices)s")
               % {"value": kind, "choices": ", ".join(SiteKind.values)})
    with unit_of_work(actor):
        if Site.objects.filter(area=area, name=name).exists():
            refuse(message, "name", _("%(name)s already exists in this area") % {"name": name})
        site = Site.objects.create(tenant_id=area.tenant_id, area=area, name=name, kind=kind,
                                   shared_rooms=shared_rooms)
        audit.record(actor=actor, action="create", object_type="site", object_id=site.pk,
                     area=area, detail={"kind": kind})
    return site


def add_rooms(*, actor: Actor, site_id: int, building: str, floor: str,
              numbers: list[str], beds: int) -> list[Room]:
    """Rooms of one floor, each with `beds` beds (a room already there is refused)."""
    message = _("The rooms were not added.")
    with unit_of_work(actor) as uow:
        site = uow.fetch(access_site, site_id, Can.MANAGE_STAYS)
        if site.is_home:
            refuse(message, "site", _("home quarantine has no rooms"))
        if beds < 1:
            refuse(message, "beds", _("a room has at least one bed"))
        b, _created = Building.objects.get_or_create(site=site, name=building.strip() or "A")
        f, _created = Floor.objects.get_or_create(building=b, name=floor.strip() or "1")
        taken = set(Room.objects.filter(floor=f, number__in=numbers).values_list("number",
                                                                                 flat=True))
        if taken:
            refuse(message, "numbers", _("rooms already there: %(rooms)s")
                   % {"rooms": ", ".join(sorted(taken))})
        rooms = Room.objects.bulk_create(Room(site=site, floor=f, number=n, beds=beds)
                                         for n in numbers)
        audit.record(actor=actor, action="change", object_type="site", object_id=site.pk,
                     area=site.area, detail={"rooms_added": len(rooms)})
    return rooms
