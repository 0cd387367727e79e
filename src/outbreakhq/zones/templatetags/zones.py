"""Template filters of the risk-area pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The shipped presets' grades; a deployment's own grade shows its code.
GRADE_LABELS = {"high": _("high risk"), "medium": _("medium risk"), "low": _("low risk"),
                "affected": _("affected"), "not_affected": _("not affected")}
EVENT_LABELS = {"infection": _("infection"), "stay": _("stay of a case"),
                "round_negative": _("negative round"), "round_positive": _("positive round"),
                "round_incomplete": _("incomplete round")}


@register.filter
def grade_label(grade: str | None) -> str:
    if not grade:
        return _("not graded")
    return GRADE_LABELS.get(grade, grade)


@register.filter
def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)
