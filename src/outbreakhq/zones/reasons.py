"""Why a designation was proposed, and why the public list got a new version, in the reader's
language.

The regrade stores a reason as a code with its parameters (`Designation.basis["why"]`), never
as text in the language of the run: a page, the public list or the API renders it for whoever
reads it (en/zh). A designation made by hand keeps the commander's own words (`reason`).

A new version of the public list says why the same way (`PublishedList.note_code`): the page
renders it in the reader's language; the JSON keeps `note` in English, fixed when published,
beside the code. A note a person typed (`outbreakhq zones publish --note`) is kept as typed.
"""

from __future__ import annotations

from django.utils import translation
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


# Why the public list was published again (PublishedList.note_code).
APPROVED = "approved"  # {"designation": N}: a commander approved proposal N
MADE = "made"  # {"designation": N}: a commander designated an area by hand
AUTO_APPROVED = "auto_approved"  # {"n": N}: the regrade approved N designations itself


def render_note(code: dict | None, fallback: str = "") -> str:
    """A version note in the active language; `fallback` (the stored text) without a known
    code (a note typed by a person, or stored before codes were)."""
    kind = (code or {}).get("code")
    if kind == APPROVED:
        return _("designation %(n)s approved") % {"n": code.get("designation")}
    if kind == MADE:
        return _("designation %(n)s made") % {"n": code.get("designation")}
    if kind == AUTO_APPROVED:
        return _("%(n)s designations approved automatically") % {"n": code.get("n")}
    return fallback


def english_note(code: dict) -> str:
    """The note in English: the stable text the JSON list keeps beside the code."""
    with translation.override("en"):
        return render_note(code)


def note_of(published) -> str:
    """A published list's note in the reader's language (the `note_text` template filter)."""
    return render_note(published.note_code, published.note)
