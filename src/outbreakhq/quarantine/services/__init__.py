"""Every use case of quarantine (views, API, CLI and tests call these, never the models)."""

from outbreakhq.quarantine.services.access import access_site, access_stay, rule_of
from outbreakhq.quarantine.services.awaiting import add_awaiting, contact_handed_over
from outbreakhq.quarantine.services.cohorts import (
    access_cohort,
    access_member,
    add_member,
    create_cohort,
    record_breach,
    record_staff_test,
)
from outbreakhq.quarantine.services.sites import add_rooms, create_site
from outbreakhq.quarantine.services.stays import (
    blocker_text,
    place,
    place_household,
    place_many,
    record_test,
    release,
    transfer,
)

__all__ = ["access_cohort", "access_member", "access_site", "access_stay", "add_awaiting",
           "add_member", "add_rooms", "blocker_text", "contact_handed_over", "create_cohort",
           "create_site", "place", "place_household", "place_many", "record_breach",
           "record_staff_test", "record_test", "release", "rule_of", "transfer"]
