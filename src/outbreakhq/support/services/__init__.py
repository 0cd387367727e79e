"""Support's use cases (one transaction each, keyword-only `actor=`)."""

from outbreakhq.support.services.requests import (
    access_pass,
    access_request,
    advance,
    create_team,
    escalate_overdue,
    issue_pass,
    lookup,
    submit_public,
    take_request,
)
from outbreakhq.support.services.travellers import (
    access_batch,
    access_traveller,
    assign,
    create_batch,
    eligibility_of,
    eligibility_of_many,
    register_traveller,
    set_batch_status,
    with_eligibility,
)

__all__ = ["access_batch", "access_pass", "access_request", "access_traveller", "advance",
           "assign", "create_batch", "create_team", "eligibility_of", "eligibility_of_many",
           "escalate_overdue",
           "issue_pass", "lookup", "register_traveller", "set_batch_status", "submit_public",
           "take_request", "with_eligibility"]
