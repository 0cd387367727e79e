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
from outbreakhq.core.text import printable
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.tracing.models import Case
from outbreakhq.tracing.services.cases import access_case

REASON_LIMIT = 500


def check_move(*, actor: Actor, case: Case, area_code: str, reason: str) -> tuple[Area, str]:
    """The area a case may move to and the reason, cleaned; else InvalidInput naming every bad
    field, or the refusal (403, audited) of an area outside the actor's scope. The page runs
    it before its confirmation, move_case again inside the move's transaction."""
    errors = []
    reason = printable((reason or "").strip())
    if not reason:
        errors.append(FieldError("reason", _("is required: say why the case moves")))
    elif len(reason) > REASON_LIMIT:
        errors.append(FieldError("reason", _("is longer than %(n)d characters")
                                 % {"n": REASON_LIMIT}))
    code = (area_code or "").strip()
    target = Area.objects.filter(code=code).first() if code else None
    if not code:
        errors.append(FieldError("area", _("is required")))
    elif target is None or target.tenant_id != case.tenant_id:
        errors.append(FieldError(
            "area", _("no area of this jurisdiction tree has the code %(code)s")
            % {"code": area_code}))
    if errors:
        raise InvalidInput(_("The case was not moved."), errors)
    # An area the actor named: refused (403, audited) naming it, as every area typed in a form
    # is; area names are not personal data (core/scoped.py require).
    require(actor, Can.MANAGE_CASE, target, person=case.person, what="case")
    return target, reason


def move_case(*, actor: Actor, case_id: int, area_code: str, reason: str) -> Case:
    """Put the case in the area `area_code` (same tree; the actor manages cases in both), for
    the `reason` given (required: a move changes the daily figures of two areas, so the audit
    trail says why). The case is fetched first, so a case outside the actor's scope answers
    404 whatever the area named (core/scoped.py fetch_in_scope)."""
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.MANAGE_CASE)
        target, reason = check_move(actor=actor, case=case, area_code=area_code, reason=reason)
        if target.pk == case.area_id:
            return case
        before = case.area
        case.area = target
        case.save(update_fields=["area"])
        events.publish(CaseMoved(actor=actor, record_id=case.pk, person=case.person,
                                 area=target, from_area=before,
                                 detail={"fields": ["area"], "from": before.code,
                                         "to": target.code, "reason": reason}))
    return case
