"""The audit trail subscribes to domain events: one event, one audit row, the same shape as
audit.record() writes for the services that do not publish yet (docs/architecture.md)."""

from __future__ import annotations

from outbreakhq.core import audit
from outbreakhq.core.events import (
    CaseChanged,
    CaseOpened,
    CasesImported,
    CaseViewed,
    ContactAdded,
    ContactChanged,
    ContactsImported,
    ContactViewed,
    FollowUpRecorded,
    ListExported,
    PairDismissed,
    PeopleImported,
    PeopleMerged,
    PersonChanged,
    PersonRegistered,
    PersonViewed,
    RecordEvent,
    RecordsImported,
    subscribe,
)

# event kind -> (audit action, object type); a subclass is audited as its base (a hand-over
# to quarantine is a change of the contact).
_WRITES: dict[type[RecordEvent], tuple[str, str]] = {
    PersonRegistered: ("create", "person"),
    PersonChanged: ("change", "person"),
    PersonViewed: ("view", "person"),
    CaseViewed: ("view", "case"),
    ContactViewed: ("view", "contact"),
    CaseOpened: ("create", "case"),
    CaseChanged: ("change", "case"),
    ContactAdded: ("create", "contact"),
    ContactChanged: ("change", "contact"),
}

# An import batch: one `create` row per record, written in one pass (audit.record_each).
_IMPORTS: dict[type[RecordsImported], str] = {
    PeopleImported: "person", CasesImported: "case", ContactsImported: "contact",
}


def record_event(event: RecordEvent) -> None:
    kind = next(k for k in type(event).__mro__ if k in _WRITES)
    action, object_type = _WRITES[kind]
    audit.record(actor=event.actor, action=action, object_type=object_type,
                 object_id=event.record_id, person=event.person, area=event.area,
                 detail=event.detail or None, others=event.shown)


def record_followup(event: FollowUpRecorded) -> None:
    audit.record(actor=event.actor, action="create" if event.created else "change",
                 object_type="followup", object_id=event.record_id, person=event.person,
                 area=event.area, detail=event.detail)


def record_import(event: RecordsImported) -> None:
    object_type = _IMPORTS[next(k for k in type(event).__mro__ if k in _IMPORTS)]
    audit.record_each(actor=event.actor, action="create", object_type=object_type,
                      records=[(r.record_id, r.person, r.area, r.detail) for r in event.records])


def record_merge(event: PeopleMerged) -> None:
    keep, merged, log = event.keep, event.merged, event.log
    audit.record(actor=event.actor, action="change", object_type="person", object_id=keep.pk,
                 person=keep,
                 detail={"fields": list(event.changed), "merged_from": merged.pk,
                         "merge": log.pk})
    audit.record(actor=event.actor, action="delete", object_type="person",
                 object_id=merged.pk, person=merged,
                 detail={"merged_into": keep.pk, "merge": log.pk})


def record_dismissal(event: PairDismissed) -> None:
    audit.record(actor=event.actor, action="change", object_type="person_pair",
                 object_id=f"{event.low}-{event.high}", person=event.person,
                 detail={"dismissed": [event.low, event.high]})


def record_export(event: ListExported) -> None:
    audit.record_query(rows=event.rows, actor=event.actor, action="export",
                       object_type=event.kind, area=event.area, detail=event.detail)


def connect() -> None:
    subscribe(*_WRITES)(record_event)
    subscribe(FollowUpRecorded)(record_followup)
    subscribe(*_IMPORTS)(record_import)
    subscribe(PeopleMerged)(record_merge)
    subscribe(PairDismissed)(record_dismissal)
    subscribe(ListExported)(record_export)
