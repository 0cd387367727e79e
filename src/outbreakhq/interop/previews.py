"""Import previews and dry runs: one audit event each, and a limit per user (issue 7).

A preview shows what a file would do to records in the user's scope (which rows update a stored
case, which match a registered person), so it is a read of personal data and is audited as
one: the file, its kind, its rows, and the people and records it matched. It was also the
fastest oracle to try numbers against (1,000 guessed identity numbers in half a second), so a
user may run OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN of them in ten minutes.

The limit counts the user's own preview events in the audit trail: it holds across server
processes and restarts without a shared cache, and what is counted is exactly what an auditor
sees. Two previews started at the same instant may both pass the last free place; the limit is
a brake on probing, not a quota to the unit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import TooManyRequests
from outbreakhq.core.models import AuditEvent

PREVIEW = "import_preview"  # object_type of the events; action "view", a refusal "denied"
WINDOW = timedelta(minutes=10)


def previews_in_window(actor: Actor) -> int:
    return AuditEvent.objects.filter(user=actor.user, action="view", object_type=PREVIEW,
                                     at__gte=timezone.now() - WINDOW).count()


def guard(*, actor: Actor, kind: str, name: str) -> None:
    """Refuse with 429 (itself audited) a user who has used up the previews of the window."""
    limit = settings.OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN
    used = previews_in_window(actor)
    if used < limit:
        return
    audit.record(actor=actor, action="denied", object_type=PREVIEW,
                 detail={"file": name, "kind": kind, "reason": "rate_limit", "limit": limit,
                         "used": used})
    error = TooManyRequests(_(
        "You have checked %(n)d import files in the last 10 minutes, the most allowed. Wait a "
        "few minutes, then check the file again.") % {"n": used})
    # The API sends this as Retry-After: when the oldest counted preview leaves the window.
    oldest = AuditEvent.objects.filter(user=actor.user, action="view", object_type=PREVIEW,
                                       at__gte=timezone.now() - WINDOW).order_by("at").first()
    error.retry_after = max(1, int((oldest.at + WINDOW - timezone.now()).total_seconds()) + 1) \
        if oldest is not None else int(WINDOW.total_seconds())
    raise error


def matched(plan) -> tuple[list[int], list[int]]:
    """(people, records) of the user's scope the plan matched: by document, by external id,
    as source cases and contacts, or as the two ends of a link."""
    people, records = set(), set()
    for row in plan.rows:
        for key in ("person", "record", "source_case", "source_contact", "infector",
                    "infectee"):
            ref = row.refs.get(key)
            if ref is None:
                continue
            if key == "person":
                people.add(ref.pk)
            else:
                people.add(ref.person_id)
                records.add(f"{type(ref).__name__.lower()}:{ref.pk}")
    return sorted(people), sorted(records)


def record(*, actor: Actor, plan, name: str, area, dry_run: bool) -> None:
    """One `view` event for a preview, a dry run, or a run refused for its rows (which tells as
    much as a preview)."""
    people, records = matched(plan)
    audit.record(actor=actor, action="view", object_type=PREVIEW, area=area,
                 detail={"file": name, "kind": plan.kind, "rows": len(plan.rows),
                         "errors": len(plan.errors), "dry_run": dry_run, "people": people,
                         "records": records})
