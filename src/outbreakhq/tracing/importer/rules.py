"""The services' rules that the import's set-based writer applies to a whole batch.

Every rule the writer needs is called from here and nowhere else in the import, so that moving
the rules to their own pure module (issue 8: tracing/rules.py) repoints the import in one edit.
The rules are the services' own functions, never a copy: a row is refused for the same reason,
in the same words, whether it comes from a form, the API or a file.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.services import new_person_values
from outbreakhq.epi.chains import would_make_cycle
from outbreakhq.tracing import rules
from outbreakhq.tracing.models import Case, Contact
from outbreakhq.tracing.services.cases import (
    CASE_READERS,
    access_case,
    check_case_dates,
    serialise_links,
)
from outbreakhq.tracing.services.cases import under_control_pairs as under_control_when_found
from outbreakhq.tracing.services.contacts import (
    access_contact,
    check_contact,
    followup_window,
    team_for,
)

# What update_case / link_source and update_contact fetch each record with.
ACCESS = {Case: (Can.MANAGE_CASE, access_case), Contact: (Can.TRACE_CONTACT, access_contact)}

__all__ = ["ACCESS", "CASE_READERS", "Teams", "case_dates_in_order", "check_case_dates",
           "check_contact", "followup_window", "new_person_values",
           "serialise_links", "traces_contacts_of_contacts", "under_control_when_found",
           "would_make_cycle"]


def traces_contacts_of_contacts() -> bool:
    """Whether the protocol in force traces contacts of close contacts (add_secondary_contact's
    refusal)."""
    return protocols.current().tracing.trace_contacts_of_contacts


class Teams:
    """services.contacts.team_for for a batch: the recording user's team in each area, looked up
    once per area."""

    def __init__(self, tracer):
        self.tracer = tracer
        self._found: dict[int, object] = {}

    def of(self, area: Area):
        if area.pk not in self._found:
            self._found[area.pk] = team_for(None, self.tracer, area)
        return self._found[area.pk]


def case_dates_in_order(values: dict) -> list[tuple[str, str]]:
    """The case date rules (tracing/rules.py, as services.cases.check_case_dates applies them)
    for one row of a file, naming each field it refuses (the exposure date of the row's source
    link too), so that the preview shows it."""
    report = values.get("report_date")
    errors = [(key, _("%(date)s is after the report date %(report)s") % {
        "date": values[key].isoformat(), "report": report.isoformat()})
        for key in rules.after_report(values)]
    if rules.after(values.get("exposure_date"), report):
        errors.append(("exposure_date", _("exposure after the report date %(report)s")
                       % {"report": report.isoformat()}))
    if rules.outcome_before_onset(values):
        errors.append(("outcome_date", _("is before the onset date %(date)s")
                       % {"date": values["onset_date"].isoformat()}))
    return errors
