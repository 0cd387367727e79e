"""The command centre's home panels: the jurisdiction's figures of today (every role), the
directives board's open and overdue counts (headquarters), the directives one owns."""

from __future__ import annotations

from django.utils import timezone

from outbreakhq.command.figures import figures_for
from outbreakhq.command.models import Directive, DirectiveStatus
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas


def _area(actor: Actor, area: Area | None, capability: str) -> Area | None:
    if area is not None:
        return area
    areas = scope_areas(actor, capability)
    return areas[0] if len(areas) == 1 else None


def figures_panel(actor: Actor, area: Area | None) -> dict | None:
    area = _area(actor, area, Can.VIEW_AGGREGATES)
    if area is None:
        return None
    return {"area": area, "figures": figures_for(area, timezone.localdate())}


def directives_panel(actor: Actor, area: Area | None) -> dict | None:
    today = timezone.localdate()
    rows = Directive.objects.visible_to(actor, Can.ISSUE_DIRECTIVES, within=area).filter(
        status=DirectiveStatus.OPEN).select_related("area")
    overdue = list(rows.filter(deadline__lt=today).order_by("deadline", "id")[:5])
    return {"area": _area(actor, area, Can.ISSUE_DIRECTIVES), "open": rows.count(),
            "overdue": rows.filter(deadline__lt=today).count(), "overdue_rows": overdue}


def my_directives_panel(actor: Actor, area: Area | None) -> dict | None:
    rows = list(Directive.objects.filter(owner=actor.user, status=DirectiveStatus.OPEN)
                .select_related("area").order_by("deadline", "id")[:10])
    if not rows:
        return None
    today = timezone.localdate()
    for d in rows:
        d.is_overdue = d.overdue_on(today)
    return {"rows": rows}
