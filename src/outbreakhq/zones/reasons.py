"""Why a designation was proposed, in the reader's language.

The regrade stores a reason as a code with its parameters (`Designation.basis["why"]`), never
as text in the language of the run: a page, the public list or the API renders it for whoever
reads it (en/zh). A designation made by hand keeps the commander's own words (`reason`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq.core.grades import grade_label
from outbreakhq.zones.models import EventKind

STEP = "step"  # {"days": N, "round": bool, "grade": G}: N case-free days (and a round): down to G
EVENTS = "events"  # {"grade": G, "kinds": [...]}: G after these kinds of event


def render(why: dict | None, fallback: str = "") -> str:
    """The reason `why` in the active language; `fallback` (the stored text) when there is no
    code or an unknown one (a designation made by hand, or before codes were stored)."""
    if not why:
        return fallback
    if why.get("code") == STEP:
        return _("%(days)s case-free days%(round)s: down to %(grade)s") % {
            "days": why.get("days"), "grade": grade_label(why.get("grade", "")),
            "round": _(" and a negative round") if why.get("round") else ""}
    if why.get("code") == EVENTS:
        labels = [str(EventKind(k).label).lower() if k in EventKind.values else k
                  for k in why.get("kinds", ())]
        return _("%(grade)s after: %(events)s") % {
            "grade": grade_label(why.get("grade", "")), "events": ", ".join(labels)}
    return fallback


def of(designation) -> str:
    """A designation's reason in the reader's language (a regrade's code), or the words given
    (the `reason_text` template filter)."""
    return render((designation.basis or {}).get("why"), designation.reason)
