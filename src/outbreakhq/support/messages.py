"""The words of support/rules.py's reasons, in the page's language."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core.grades import grade_label
from outbreakhq.support.models import Kind, Status
from outbreakhq.support.rules import Reason


def _kind(value: object) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return str(value)


def _status(value: object) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _when(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def say(reason: Reason) -> str:
    v = reason.values
    words = {
        "medical_kind": lambda: _("%(kind)s cannot wait: always urgent.") % {
            "kind": _kind(v.get("kind"))},
        "medicine_runs_out": lambda: _("The medicine runs out within %(days)s days.") % v,
        "mental_health_crisis": lambda: _("The resident is in crisis."),
        "no_food_vulnerable": lambda: _("No food left in a household with a vulnerable "
                                        "person."),
        "routine": lambda: _("%(kind)s: handled in order of arrival.") % {
            "kind": _kind(v.get("kind"))},
        "already_final": lambda: _("The request is already %(status)s: nothing follows.") % {
            "status": _status(v.get("status"))},
        "same_status": lambda: _("The request is already %(status)s.") % {
            "status": _status(v.get("status"))},
        "backwards": lambda: _("A request cannot go back from %(status)s to %(wanted)s.") % {
            "status": _status(v.get("status")), "wanted": _status(v.get("wanted"))},
        "skipped": lambda: _("A request that is %(status)s cannot become %(wanted)s: the next "
                             "step is %(next)s.") % {
            "status": _status(v.get("status")), "wanted": _status(v.get("wanted")),
            "next": _status(v.get("next"))},
        "no_team": lambda: _("Choose the team that takes the request on."),
        "close_without_reason": lambda: _("Say why the request is closed without delivery."),
        "area_closed": lambda: _("Staying in a %(grade)s area: nobody may leave it.") % {
            "grade": grade_label(v.get("grade")) if v.get("grade") else _("controlled")},
        "in_quarantine": lambda: _("Under quarantine today."),
        "positive": lambda: _("Tested positive (sampled %(when)s) with no negative test "
                              "since.") % {"when": _when(v.get("sampled_at"))},
        "no_negative_test": lambda: _("No negative test: the protocol asks for one taken "
                                      "within %(hours)s hours.") % v,
        "negative_too_old": lambda: _("The last negative test (sampled %(when)s) is older than "
                                      "the %(hours)s hours the protocol allows.") % {
            "when": _when(v.get("sampled_at")), "hours": v.get("hours")},
    }
    return words[reason.code]() if reason.code in words else reason.code
