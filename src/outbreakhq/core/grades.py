"""The words for risk grades, one place for every module that names a grade (zones' pages and
reasons, support's eligibility refusals). Grades are codes of the protocol preset
(`grading.grades`); a deployment's own grade without a label here shows its code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GRADE_LABELS = {"high": _("high risk"), "medium": _("medium risk"), "low": _("low risk"),
                "affected": _("affected"), "not_affected": _("not affected")}


def grade_label(grade: str | None) -> str:
    if not grade:
        return _("not graded")
    return GRADE_LABELS.get(grade, grade)
