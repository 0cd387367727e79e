"""Move a case to another area of its tree: a wrong home area at registration, or the person
living elsewhere during the illness. A case's area stays the one it was made in otherwise
(tracing/models.py), so this is the one place a case changes area; it says so with CaseMoved,
and the counts kept per area (command/aggregates.py) move with it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import CaseMoved
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.tracing.models import Case
from outbreakhq.tracing.services.cases import access_case


def move_case(*, actor: Actor, case_id: int, area_code: str) -> Case:
    """Put the case in the area `area_code` (same tree; the actor manages cases in both)."""
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.MANAGE_CASE)
        target = Area.objects.filter(code=(area_code or "").strip()).first()
        if target is None or target.tenant_id != case.tenant_id:
            raise InvalidInput(_("The case was not moved."), [FieldError(
                "area", _("no area of this jurisdiction tree has the code %(code)s")
                % {"code": area_code})])
        require(actor, Can.MANAGE_CASE, target, person=case.person, what="case")
        if target.pk == case.area_id:
            return case
        before = case.area
        case.area = target
        case.save(update_fields=["area"])
        events.publish(CaseMoved(actor=actor, record_id=case.pk, person=case.person,
                                 area=target, from_area=before, detail={"fields": ["area"]}))
    return case
