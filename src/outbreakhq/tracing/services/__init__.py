"""Every use case of case investigation and contact tracing, in one namespace.

Views, the API, the CLI and imports call these functions (keyword-only, one transaction each,
scoped and audited); the bodies live in the modules named below, split by subject to stay short.
"""

from outbreakhq.tracing.services.cases import (
    access_case,
    link_source,
    open_case,
    record_case_view,
    record_exposure,
    record_visit,
    under_control_when_found,
    update_case,
    view_case,
)
from outbreakhq.tracing.services.contacts import (
    access_contact,
    add_contact,
    add_secondary_contact,
    followup_window,
    record_contact_view,
    update_contact,
    view_contact,
)
from outbreakhq.tracing.services.followups import (
    close_followups,
    convert_contact_to_case,
    hand_over_to_quarantine,
    mark_lost,
    record_followup,
    test_dates,
    test_due,
)
from outbreakhq.tracing.services.moves import check_move, move_case

__all__ = [
    "add_contact",
    "add_secondary_contact",
    "close_followups",
    "convert_contact_to_case",
    "followup_window",
    "access_case",
    "access_contact",
    "hand_over_to_quarantine",
    "check_move",
    "move_case",
    "link_source",
    "mark_lost",
    "open_case",
    "record_case_view",
    "record_contact_view",
    "record_exposure",
    "record_followup",
    "record_visit",
    "under_control_when_found",
    "update_case",
    "update_contact",
    "view_case",
    "test_dates",
    "test_due",
    "view_contact",
]
