"""The tracer's home panel: follow-ups due today and overdue (theirs and their scope's) and
the contacts recorded today, as counts with links to the worklists."""

from __future__ import annotations

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.tracing.fields import today as local_today
from outbreakhq.tracing.models import Contact, ContactStatus
from outbreakhq.tracing.worklists import followup_counts


def followup_panel(actor: Actor, area: Area | None) -> dict | None:
    today = local_today()
    mine = followup_counts(actor=actor, within=area, who="mine", today=today)
    everyone = followup_counts(actor=actor, within=area, who="all", today=today)
    new = (Contact.objects.visible_to(actor, within=area)
           .filter(created_at__date=today, status=ContactStatus.FOLLOWING).count())
    return {"mine": mine, "all": everyone, "new": new, "today": today}
