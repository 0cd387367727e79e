"""Template filters of the risk-area pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.grades import grade_label as _grade_label
from outbreakhq.zones import reasons

register = template.Library()

EVENT_LABELS = {"infection": _("infection"), "stay": _("stay of a case"),
                "round_negative": _("negative round"), "round_positive": _("positive round"),
                "round_incomplete": _("incomplete round")}


@register.filter
def grade_label(grade: str | None) -> str:
    return _grade_label(grade)


@register.filter
def reason_text(designation) -> str:
    """A designation's reason in the reader's language (zones/reasons.py)."""
    return reasons.of(designation)


@register.filter
def note_text(published) -> str:
    """A public list version's note in the reader's language (zones/reasons.py)."""
    return reasons.note_of(published)


@register.filter
def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)
