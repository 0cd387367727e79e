"""Directives (issue, follow up) and the situation report's commentary."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.command.models import Commentary, Directive, DirectiveStatus, DirectiveUpdate
from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import fetch_in_scope, require, require_role


def _text(data: dict, key: str, label: str, *, limit: int | None = None,
          required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s: is required") % {"field": label})
    if limit and len(value) > limit:
        raise InvalidInput(_("%(field)s: at most %(n)d characters") % {"field": label,
                                                                        "n": limit})
    return value


def issue_directive(*, actor: Actor, area: Area, data: dict) -> Directive:
    """A directive to `area` (or one of its departments): data has title, expected_result,
    owner (a username), deadline (YYYY-MM-DD), department (optional)."""
    require_role(actor, Can.ISSUE_DIRECTIVES, what="directive")
    require(actor, Can.ISSUE_DIRECTIVES, area, what="directive")
    title = _text(data, "title", _("Directive"), limit=200)
    expected = _text(data, "expected_result", _("Expected result"))
    department = _text(data, "department", _("Department"), limit=100, required=False)
    username = _text(data, "owner", _("Owner"))
    owner = get_user_model().objects.filter(username=username, is_active=True).first()
    if owner is None:
        raise InvalidInput(_("Owner: no active user is called %(name)s") % {"name": username})
    raw = _text(data, "deadline", _("Deadline"))
    try:
        deadline = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("Deadline: %(value)s is not a date (YYYY-MM-DD)")
                           % {"value": raw}) from None
    with transaction.atomic():
        directive = Directive.objects.create(
            tenant_id=area.tenant_id, area=area, department=department, title=title,
            expected_result=expected, owner=owner, deadline=deadline, issued_by=actor.user)
        audit.record(actor=actor, action="create", object_type="directive",
                     object_id=directive.pk, area=area,
                     detail={"owner": owner.username, "deadline": raw})
    return directive


def may_update(actor: Actor, directive: Directive) -> bool:
    """The owner, or whoever may issue directives over its area."""
    return directive.owner_id == actor.user.pk or can(actor, Can.ISSUE_DIRECTIVES,
                                                      directive.area)


def post_update(*, actor: Actor, directive_id: int, data: dict) -> DirectiveUpdate:
    """An update of progress (status open) or its closing (done / cancelled; cancelling is the
    issuer's). The owner may post without the capability to issue directives."""
    with transaction.atomic():
        owned = Directive.objects.filter(pk=directive_id, owner=actor.user).select_for_update()
        directive = owned.select_related("area").first()
        if directive is None:
            directive = fetch_in_scope(Directive.objects.select_related("area"), directive_id,
                                       actor=actor, capability=Can.ISSUE_DIRECTIVES,
                                       what="directive", missing=_("No such directive."),
                                       lock=True, seen_with=Can.VIEW_AGGREGATES)
        text = _text(data, "text", _("Update"))
        status = str(data.get("status") or DirectiveStatus.OPEN)
        if status not in DirectiveStatus.values:
            raise InvalidInput(_("Status: %(value)s is not a status") % {"value": status})
        if status == DirectiveStatus.CANCELLED and not can(actor, Can.ISSUE_DIRECTIVES,
                                                           directive.area):
            raise InvalidInput(_("Status: only headquarters may cancel a directive"))
        update = DirectiveUpdate.objects.create(directive=directive, author=actor.user,
                                                text=text, status=status)
        if status != directive.status:
            directive.status = status
            directive.closed_on = (timezone.localdate() if status != DirectiveStatus.OPEN
                                   else None)
            directive.save(update_fields=["status", "closed_on"])
        audit.record(actor=actor, action="change", object_type="directive",
                     object_id=directive.pk, area=directive.area, detail={"status": status})
    return update


def save_commentary(*, actor: Actor, area: Area, day: date, text: str) -> Commentary:
    require_role(actor, Can.ISSUE_DIRECTIVES, what="sitrep")
    require(actor, Can.ISSUE_DIRECTIVES, area, what="sitrep")
    if len(text) > 20_000:
        raise InvalidInput(_("Commentary: at most %(n)d characters") % {"n": 20_000})
    with transaction.atomic():
        note, _created = Commentary.objects.update_or_create(
            area=area, day=day, defaults={"tenant_id": area.tenant_id, "text": text.strip(),
                                          "updated_by": actor.user})
        audit.record(actor=actor, action="change", object_type="sitrep_commentary",
                     object_id=f"{area.code}/{day.isoformat()}", area=area)
    return note
